import type { Child } from "hono/jsx";

export function Layout(props: { title: string; instanceName: string; children: Child; head?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        {props.head}
        <style>{`
          :root { font-family: system-ui, sans-serif; line-height: 1.5; }
          body { max-width: 44rem; margin: 0 auto; padding: 1rem; }
          header.site { display: flex; justify-content: space-between; align-items: baseline; }
          .handle { color: GrayText; }
          .counts { display: flex; gap: 1.5rem; }
        `}</style>
      </head>
      <body>
        <header class="site">
          <a href="/">
            <strong>{props.instanceName}</strong>
          </a>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
