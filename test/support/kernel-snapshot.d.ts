/** Types for kernel-snapshot.js (plain JavaScript, shared with jest's global setup and teardown). */
export function snapshot(): { ns: string[]; veth: string[]; etcNetns: string[]; processes: string[]; mounts: string[] };
export function ourMounts(mountinfo: string): string[];
export function markedProcesses(): string[];
