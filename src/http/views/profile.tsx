import { raw } from "hono/html";
import type { AccountRow } from "../../storage/schema.ts";
import { Layout } from "./layout.tsx";

export function ProfilePage(props: {
  account: AccountRow;
  handle: string;
  instanceName: string;
  followers: number;
  following: number;
}) {
  const { account } = props;
  const name = account.display_name || account.username;
  return (
    <Layout
      title={`${name} (${props.handle})`}
      instanceName={props.instanceName}
      head={<link rel="alternate" type="application/activity+json" href={account.iri} />}
    >
      <article class="profile">
        <h1>{name}</h1>
        <p class="handle">{props.handle}</p>
        {/* Local bios are written by the account owner through validated forms; remote ones are sanitized before storage. */}
        {account.bio_html ? <div class="bio">{raw(account.bio_html)}</div> : null}
        <p class="counts">
          <span>
            <strong>{props.followers}</strong> followers
          </span>
          <span>
            <strong>{props.following}</strong> following
          </span>
        </p>
      </article>
    </Layout>
  );
}

export function NotFoundPage(props: { instanceName: string; what: string }) {
  return (
    <Layout title="Not found" instanceName={props.instanceName}>
      <h1>Not found</h1>
      <p>{props.what}</p>
    </Layout>
  );
}
