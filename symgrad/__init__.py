"""symgrad: a NumPy autograd engine with PyTorch's user-facing semantics.

>>> import symgrad
>>> w = symgrad.tensor([0.5, -1.0], requires_grad=True)
>>> x = symgrad.tensor([1.0, 2.0])
>>> y = w * x
>>> y.grad_fn
<MulBackward0 object at ...>
"""

from symgrad import _warnings, autograd  # noqa: F401 - _warnings installs its warning filter
from symgrad._dtypes import (
    bfloat16,
    bool,
    can_cast,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from symgrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from symgrad.creation import (
    Generator,
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    initial_seed,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
    zeros,
    zeros_like,
)
from symgrad.devices import device, get_default_device, set_default_device
from symgrad.ops import FUNCTIONS as _FUNCTIONS
from symgrad.ops import REGISTRY

# matrix decompositions (symgrad.ops.decompositions): cholesky, cholesky_solve,
# cholesky_inverse, triangular_solve published before the functions are gathered
from symgrad.ops import decompositions as _decompositions  # noqa: F401
from symgrad.tensor import Size, Tensor, tensor

half, float, double = float16, float32, float64  # noqa: A001 - PyTorch's aliases
short, int, long = int16, int32, int64  # noqa: A001

globals().update(_FUNCTIONS)
from symgrad import (  # noqa: E402 - they build on the ops above
    accelerator,
    amp,  # torch.amp: autocast, GradScaler
    cpu,
    cuda,
    linalg,  # torch.linalg: norms, det, inv, solve
    nn,
    optim,
    random,
    special,  # torch.special's functions (gammaln, digamma, erfinv, logit, xlogy, ...)
    tensor_layout,  # noqa: E402, F401 - Tensor's memory and device methods
    testing,  # noqa: F401 - torch.testing: assert_close
    utils,
)
from symgrad._printing import set_printoptions  # noqa: E402
from symgrad.legacy_types import (  # noqa: E402 - PyTorch's legacy tensor types
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    set_default_tensor_type,
)

# functions PyTorch publishes at its top level too (torch.cosine_similarity, torch.selu, ...)
from symgrad.nn.functional import (  # noqa: E402
    celu,
    celu_,
    cosine_similarity,
    pairwise_distance,
    selu,
    selu_,
    threshold,
    threshold_,
)
from symgrad.random import default_generator  # noqa: E402
from symgrad.runtime import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    compile,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    is_floating_point,
    is_nonzero,
    is_storage,
    is_tensor,
    result_type,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    typename,
    use_deterministic_algorithms,
)
from symgrad.serialization import load, save  # noqa: E402 - it reads nn.Parameter
from symgrad.switches import *  # noqa: E402, F403 - anomaly, warn_always, autocast's state, ...
from symgrad.switches import __all__ as _switches  # noqa: E402
from symgrad.type_info import finfo, iinfo  # noqa: E402

__all__ = [
    "Tensor",
    "Size",
    "tensor",
    "autograd",
    "nn",
    "optim",
    "random",
    "special",  # torch.special
    "utils",
    "linalg",
    "func",  # torch.func
    "backends",  # torch.backends
    "amp",
    "autocast",
    "cpu",
    "vmap",
    "set_printoptions",
    "finfo",
    "iinfo",
    "default_generator",
    # process-wide switches and questions (symgrad.runtime)
    "are_deterministic_algorithms_enabled",
    "compile",
    "get_float32_matmul_precision",
    "get_num_interop_threads",
    "get_num_threads",
    "is_deterministic_algorithms_warn_only_enabled",
    "is_floating_point",
    "is_nonzero",
    "is_storage",
    "is_tensor",
    "result_type",
    "set_float32_matmul_precision",
    "set_num_interop_threads",
    "set_num_threads",
    "typename",
    "use_deterministic_algorithms",
    "REGISTRY",
    "device",
    "cuda",
    "accelerator",
    "get_default_device",
    "set_default_device",
    "dtype",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "get_default_dtype",
    "set_default_dtype",
    # PyTorch's legacy tensor types (symgrad.legacy_types)
    "BFloat16Tensor",
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "set_default_tensor_type",
    "promote_types",
    "can_cast",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    # anomaly mode, warn_always, autocast's state, flush_denormal, the deterministic debug mode
    # (symgrad.switches)
    *_switches,
    "Generator",
    "arange",
    "as_tensor",
    "bernoulli",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "get_rng_state",
    "initial_seed",
    "linspace",
    "manual_seed",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "seed",
    "set_rng_state",
    "zeros",
    "zeros_like",
    # saving and loading
    "save",
    "load",
    *sorted(_FUNCTIONS),
    # from symgrad.nn.functional, as PyTorch publishes them at its top level too
    "cosine_similarity",
    "pairwise_distance",
    "celu",
    "celu_",
    "selu",
    "selu_",
    "threshold",
    "threshold_",
]
__version__ = "0.1.0"

# -- torch.distributions and the draws it needs (symgrad.sampling, symgrad.distributions) --
# (and torch.func, its transforms: they too build on the whole package)
from symgrad import backends, distributions, func  # noqa: E402
from symgrad.amp import autocast  # noqa: E402
from symgrad.func import vmap  # noqa: E402
from symgrad.sampling import multinomial, normal  # noqa: E402

__all__ += ["multinomial", "normal", "distributions"]
from symgrad.count_sampling import binomial, poisson  # noqa: E402

# torch's private draws and their derivatives, as torch has them at top level
from symgrad.gamma_sampling import (  # noqa: E402, F401
    _dirichlet_grad,
    _sample_dirichlet,
    _standard_gamma,
    _standard_gamma_grad,
)

__all__ += ["binomial", "poisson"]
