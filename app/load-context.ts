import type { HeraldLoadContext } from "../server/http/app";

declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends HeraldLoadContext {}
}
