export * from "./account-directory.ts";
export * from "./codec.ts";
export * from "./ledger.ts";
export * from "./migrate.ts";
export * from "./open-database.ts";
export * from "./reads.ts";
export * from "./sql-client.ts";
export * from "./members.ts";
