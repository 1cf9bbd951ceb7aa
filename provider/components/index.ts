export * from "./lab";
export * from "./description";
