import type { PictorFederation } from "../fedify.config.ts";
import { paths } from "../src/urls.ts";
import type { FederationDeps } from "./deps.ts";

export function registerNodeInfo(federation: PictorFederation, deps: FederationDeps): void {
  federation.setNodeInfoDispatcher(paths.nodeinfo, async () => {
    const [users, localPosts] = await Promise.all([deps.accounts.countLocal(), deps.posts.countLocal()]);
    return {
      software: {
        name: "pictor",
        version: "0.1.0",
        homepage: new URL(deps.config.publicUrl),
      },
      protocols: ["activitypub"],
      openRegistrations: false,
      usage: { users: { total: users }, localPosts, localComments: 0 },
      metadata: { nodeName: deps.config.instanceName },
    };
  });
}
