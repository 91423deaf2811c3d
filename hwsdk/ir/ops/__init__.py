"""The core op set. Importing this package registers every op (see :mod:`hwsdk.ir.opdef`)."""

from hwsdk.ir.ops import elementwise, nn, quant, reduction, shape  # noqa: F401
