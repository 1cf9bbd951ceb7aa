// A jest globalTeardown for projects that use netns-lab/testing: sweeps what killed test processes
// left (their labs' namespaces, processes and temporary directories), once every worker has ended.
module.exports = async () => {
  await require("netns-lab/testing").sweepLeftovers();
};
