/** netns-lab: Pulumi resources and components for Linux network-namespace labs. */
export * from "./resources";
export * from "./components";
