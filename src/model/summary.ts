// model.summary(): the layers as a text table.
import type { Network } from "../nn/network.js";

/** One line per layer with its output width and parameter count, then the total. */
export function summarize(net: Network): string {
  const lines = [`input: ${net.inputs}`];
  net.layers.forEach((l, i) => {
    const params = net.info.filter((p) => p.name.startsWith(`layers.${i}.`)).reduce((a, p) => a + p.length, 0);
    const c = l.toConfig();
    const extra = c.activation ? ` ${c.activation}` : c.pieces ? ` ×${c.pieces} pieces` : c.rate !== undefined ? ` rate ${c.rate}` : "";
    lines.push(`layers.${i}: ${l.type}${extra} → ${l.outputSize} (${params} parameters)`);
  });
  lines.push(`total: ${net.parameterCount} parameters`);
  return lines.join("\n");
}
