// Processes declared before the files they run, and one process after another: a shell script
// that exits at once if its file is missing, so a wrong order fails the up.
import * as pulumi from "@pulumi/pulumi";
import { File, NetNamespace, Process } from "netns-lab";

const p = pulumi.getStack();
const dir = `/run/netns-lab-tests/${p}`;

new Process("second", { namespace: `${p}-node`, command: ["/bin/sh", `${dir}/second.sh`], after: ["first"] });
new Process("first", { namespace: `${p}-node`, command: ["/bin/sh", `${dir}/first.sh`] });
new File("second-script", { path: `${dir}/second.sh`, content: "exec sleep 600\n" });
new File("first-script", { path: `${dir}/first.sh`, content: "exec sleep 600\n" });
new NetNamespace(`${p}-node`);
