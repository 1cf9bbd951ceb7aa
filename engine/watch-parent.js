// Preloaded (node -r) into the dynamic-provider process the engine starts for netns-lab's resources:
// when the engine that started it is gone (a SIGKILLed `pulumi up`), the process is handed to
// another parent, and it exits instead of waiting forever on its gRPC port. As the language host does.
"use strict";
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
