#!/usr/bin/env node
// The `tollgate` command. Tollgate runs its TypeScript sources directly: tsx compiles them as
// they load, so there is no build step between editing the code and running it.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
