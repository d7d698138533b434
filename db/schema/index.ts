export * from "./auth";
export * from "./audience";
export * from "./content";
export * from "./campaigns";
export * from "./delivery";
export * from "./sync";
export * from "./system";
export * from "./legacy";
