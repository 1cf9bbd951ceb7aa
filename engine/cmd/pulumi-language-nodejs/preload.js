// netns-lab's Node.js language host preloads this (node --require) into every program it runs.
//
// Node.js 20.20's util.inspect loops until memory runs out (20 s and more, then "RangeError: Invalid
// string length") when it colours a stack line naming a file directly inside a scoped package
// directory, such as "/x/node_modules/@pulumi/config.ts:301:19" - exactly what the SDK's source
// maps give for an error thrown inside @pulumi/pulumi (config.require of a missing key, say).
// @pulumi/pulumi prints every unhandled error with util.inspect(err, { colors: true }), so such a
// program was reported after half a minute. For those stacks only, print without colours.
"use strict";
const util = require("util");
const inspect = util.inspect;
const risky = /[\/\\]node_modules[\/\\]@[^\/\\\n]*[\/\\][^\/\\\n]*$/m;

function netnsLabInspect(value, opts, ...rest) {
  if (value instanceof Error && opts && typeof opts === "object" && opts.colors && typeof value.stack === "string" && risky.test(value.stack)) {
    opts = { ...opts, colors: false };
  }
  return inspect.call(this, value, opts, ...rest);
}
for (const key of Reflect.ownKeys(inspect)) {
  if (key === "length" || key === "name" || key === "prototype") continue;
  Object.defineProperty(netnsLabInspect, key, Object.getOwnPropertyDescriptor(inspect, key));
}
util.inspect = netnsLabInspect;
