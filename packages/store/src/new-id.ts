import { ID_PREFIXES, type IdGenerator } from "@tollgate/core";
import { v7 as uuidv7 } from "uuid";

/** `acct_0193…`: a type prefix and a UUIDv7 without dashes, so ids sort by creation time. */
export const newId: IdGenerator = (kind) => `${ID_PREFIXES[kind]}_${uuidv7().replaceAll("-", "")}`;
