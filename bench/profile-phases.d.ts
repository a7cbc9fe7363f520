// Types of bench/profile-phases.js, for the tests that import it.
import type { KernelProfile } from "../src/runtime/kernels.js";

export function phaseOrder(sizes: number[]): string[];
export function phasesOf(profile: KernelProfile, wallMs: number, sizes: number[]): Record<string, number>;
export function phaseLabel(phase: string, sizes: number[]): string;
