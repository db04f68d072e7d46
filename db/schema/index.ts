export * from "./accounts";
export * from "./api-keys";
export * from "./audit";
export * from "./outbox";
export * from "./connectors";
export * from "./pat-keys";
export * from "./vault";
export * from "./mcp";
