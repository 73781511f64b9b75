"""Tensors, as PyTorch's "Tensors" tutorial shows them: made from data, from NumPy and from
other tensors; their attributes (shape, dtype, device, strides); indexing, joining,
arithmetic and in-place operations; the NumPy bridge; printing options and type limits.

Run it with symgrad by ``python -m symgrad.testing.as_torch <this file>``.
"""

import numpy as np
import torch

torch.manual_seed(0)
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_data, x_np, sep="\n")

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: \n {x_rand} \n")

shape = (2, 3,)
for name, t in (("Random", torch.rand(shape)), ("Ones", torch.ones(shape)),
                ("Zeros", torch.zeros(shape))):
    print(f"{name} Tensor: \n {t} \n")

tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())
print(tensor.stride(), tensor.t().stride(), tensor.t().is_contiguous(), tensor.element_size(),
      tensor.nbytes, torch.is_tensor(tensor), torch.typename(tensor))

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(torch.hstack([tensor[0], tensor[1]]), torch.vstack([tensor[0], tensor[1]]).shape,
      torch.column_stack([tensor[0], tensor[1]]).shape, torch.atleast_3d(tensor).shape)

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, torch.equal(y1, y3))
z1 = tensor * tensor
z2 = tensor.mul(tensor)
print(z1, torch.equal(z1, z2))

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# Beyond the tutorial: what programs print about numbers and dtypes.
print(torch.finfo(torch.float32), torch.iinfo(torch.int16), torch.finfo(torch.bfloat16).eps)
print(torch.result_type(torch.tensor([1]), 2.5), torch.tensor([1.0]).to(torch.float64).dtype)
values = torch.tensor([float("nan"), float("inf"), -2.5, 0.0])
print(torch.nan_to_num(values), values.nansum(), torch.logical_not(values),
      torch.logical_and(values, torch.tensor([1.0, 0.0, 1.0, 1.0])))
print(torch.max(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1))
torch.set_printoptions(precision=2, linewidth=50)
print(torch.randn(3, 6) * 1000)
torch.set_printoptions(sci_mode=True)
print(torch.tensor([0.5, 123.25]))
torch.set_printoptions(profile="default")
print(torch.rand(2, 2))
