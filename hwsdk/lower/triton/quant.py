"""Quantized weights in Triton kernels: the dequantizing weight load of a matmul kernel, and
of the ``dequantize`` kernel that writes a float weight where no ``linear`` absorbs it.

The weight is ``dequantize``'s layout (:mod:`hwsdk.ir.ops.quant`): int8 data ``[N, K]`` or
uint8 data ``[N, K/2]`` holding two 4-bit values (element ``2j`` in the low nibble), scales
(and zero points) per output channel or per group of ``group_size`` input channels. A matmul
tile of the weight, ``[BLOCK_K, BLOCK_N]``, loads the bytes it covers, unpacks and scales them
in fp32 and rounds once to the scale's dtype, as the reference does; the float weight never
exists in memory.
"""

from __future__ import annotations

from hwsdk.ir.graph import Node
from hwsdk.lower.triton.body import KernelBuilder

__all__ = ["WeightLoad"]


class WeightLoad:
    """The code reading a quantized ``[N, K]`` weight as the ``[K, N]`` operand of a matmul.

    :param b: the kernel being built.
    :param node: the ``dequantize`` node.
    :param n: the kernel's size parameter of N; ``k`` that of K.
    """

    def __init__(self, b: KernelBuilder, node: Node, n: str, k: str) -> None:
        self.b, self.node, self.n, self.k = b, node, n, k
        graph = b.graph
        self.bits = int(node.attrs["bits"])
        self.group = int(node.attrs["group_size"])
        self.data = node.inputs[0]
        self.scale = node.inputs[1]
        self.zero = node.inputs[2] if len(node.inputs) > 2 and node.inputs[2] else ""
        self.pd = b.pointer(self.data)
        self.ps = b.pointer(self.scale)
        self.pz = b.pointer(self.zero) if self.zero else ""
        self.sd = [b.stride(self.data, self.pd, graph.types[self.data].shape, d)
                   for d in range(2)]

    def _strides(self, value: str, ptr: str) -> list[str]:
        shape = self.b.graph.types[value].shape
        return [self.b.stride(value, ptr, shape, d) for d in range(len(shape))]

    def prologue(self, rn: str) -> None:
        """Per-channel scales and zero points: one vector per program, before the K loop."""
        if self.group:
            return
        b = self.b
        (ss,) = self._strides(self.scale, self.ps)
        b.emit(f"q_scale = tl.load({self.ps} + {rn} * {ss}, mask={rn} < {self.n}, "
               "other=0.0).to(tl.float32)[None, :]")
        if self.zero:
            (sz,) = self._strides(self.zero, self.pz)
            b.emit(f"q_zero = tl.load({self.pz} + {rn} * {sz}, mask={rn} < {self.n}, "
                   "other=0).to(tl.float32)[None, :]")

    def tile(self, kk: str, rn: str, indent: str = "    ") -> str:
        """Emit the loads of one ``[len(kk), len(rn)]`` tile (kk: input channels along dim
        0, rn: output channels along dim 1); returns its fp32 variable."""
        kcol, nrow = f"{kk}[:, None]", f"{rn}[None, :]"
        lines = self._tile_lines(kcol, nrow, f"({kcol} < {self.k}) & ({nrow} < {self.n})")
        for line in lines:
            self.b.emit(indent + line)
        return "q_w"

    def _tile_lines(self, kcol: str, nrow: str, mask: str) -> list[str]:
        sn, sk = self.sd
        if self.bits == 4:
            lines = [f"q_byte = tl.load({self.pd} + {nrow} * {sn} + ({kcol} // 2) * {sk}, "
                     f"mask={mask}, other=0).to(tl.int32)",
                     f"q_val = ((q_byte >> (({kcol} % 2) * 4)) & 15).to(tl.float32)"]
        else:
            lines = [f"q_val = tl.load({self.pd} + {nrow} * {sn} + {kcol} * {sk}, "
                     f"mask={mask}, other=0).to(tl.float32)"]
        if self.group:
            g = f"({kcol} // {self.group})"
            gn, gk = self._strides(self.scale, self.ps)
            lines.append(f"q_scale = tl.load({self.ps} + {nrow} * {gn} + {g} * {gk}, "
                         f"mask={mask}, other=0.0).to(tl.float32)")
            if self.zero:
                zn, zk = self._strides(self.zero, self.pz)
                lines.append(f"q_zero = tl.load({self.pz} + {nrow} * {zn} + {g} * {zk}, "
                             f"mask={mask}, other=0).to(tl.float32)")
        value = "(q_val - q_zero)" if self.zero else "q_val"
        lines.append(f"q_w = {value} * q_scale")
        return lines

    def flat(self) -> str:
        """Emit the dequantized weight at the flat ``[N, K]`` index ``flat``; returns its
        fp32 variable (for the ``dequantize`` kernel)."""
        b = self.b
        b.emit(f"q_n = flat // {self.k}")
        b.emit(f"q_k = flat % {self.k}")
        if not self.group:
            (ss,) = self._strides(self.scale, self.ps)
            b.emit(f"q_scale = tl.load({self.ps} + q_n * {ss}, mask=mask, other=0.0)"
                   ".to(tl.float32)")
            if self.zero:
                (sz,) = self._strides(self.zero, self.pz)
                b.emit(f"q_zero = tl.load({self.pz} + q_n * {sz}, mask=mask, other=0)"
                       ".to(tl.float32)")
        for line in self._tile_lines("q_k", "q_n", "mask"):
            b.emit(line)
        return "q_w"
