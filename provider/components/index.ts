export * from "./lab";
export * from "./link";
export * from "./node";
export * from "./description";
export * from "./containerlab";
export * from "./netlab";
