"""The process-wide switches of symgrad/switches.py and inference mode's question against
PyTorch 2.13: what each reports after each setting, and the errors (class and message) for
arguments of the wrong type. Each test restores the defaults it changed, in both libraries."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    for lib in (symgrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.set_anomaly_enabled(False, True)
            lib.set_warn_always(False)
            lib.set_deterministic_debug_mode(0)
            lib.set_autocast_enabled(False)
            for device in ("cpu", "cuda", "xpu"):
                lib.set_autocast_enabled(device, False)
            lib.set_autocast_dtype("cpu", lib.bfloat16)
            lib.set_autocast_dtype("cuda", lib.float16)
            lib.set_autocast_dtype("xla", lib.bfloat16)
            lib.set_autocast_cache_enabled(True)
            while lib.autocast_decrement_nesting() > 0:
                pass
            while lib.autocast_increment_nesting() < 0:
                pass


def _dtype_name(value):
    return str(value).split(".")[-1] if "dtype" in type(value).__name__ else value


# Each a sequence of calls; what each returns (dtypes by name) is compared.
SEQUENCES = {
    "anomaly": lambda lib: [lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled(),
                            lib.set_anomaly_enabled(True), lib.is_anomaly_enabled(),
                            lib.is_anomaly_check_nan_enabled(),
                            lib.set_anomaly_enabled(True, False),
                            lib.is_anomaly_check_nan_enabled(),
                            lib.set_anomaly_enabled(False), lib.is_anomaly_enabled()],
    "warn_always": lambda lib: [lib.is_warn_always_enabled(), lib.set_warn_always(True),
                                lib.is_warn_always_enabled(), lib.set_warn_always(False),
                                lib.is_warn_always_enabled()],
    "deterministic debug mode": lambda lib: [
        lib.get_deterministic_debug_mode(), lib.set_deterministic_debug_mode("warn"),
        lib.get_deterministic_debug_mode(), lib.are_deterministic_algorithms_enabled(),
        lib.is_deterministic_algorithms_warn_only_enabled(),
        lib.set_deterministic_debug_mode(2), lib.get_deterministic_debug_mode(),
        lib.is_deterministic_algorithms_warn_only_enabled(),
        lib.set_deterministic_debug_mode("default"), lib.get_deterministic_debug_mode(),
        lib.set_deterministic_debug_mode(True), lib.get_deterministic_debug_mode(),
        lib.use_deterministic_algorithms(True), lib.get_deterministic_debug_mode(),
        lib.set_deterministic_debug_mode("error"), lib.get_deterministic_debug_mode(),
        lib.set_deterministic_debug_mode(0), lib.are_deterministic_algorithms_enabled()],
    "autocast enabled": lambda lib: [
        lib.is_autocast_enabled(), lib.is_autocast_enabled("cpu"),
        lib.is_autocast_enabled("cuda"), lib.set_autocast_enabled(True),
        lib.is_autocast_enabled(), lib.is_autocast_enabled("cuda"),
        lib.is_autocast_enabled("cpu"), lib.set_autocast_enabled("cpu", True),
        lib.is_autocast_enabled("cpu"), lib.is_autocast_cpu_enabled(),
        lib.set_autocast_cpu_enabled(False), lib.is_autocast_enabled("cpu"),
        lib.set_autocast_enabled("xpu", True), lib.is_autocast_enabled("xpu"),
        lib.is_autocast_ipu_enabled(), lib.is_autocast_xla_enabled()],
    "autocast dtypes": lambda lib: [
        lib.get_autocast_dtype("cpu"), lib.get_autocast_dtype("cuda"),
        lib.get_autocast_dtype("xpu"), lib.get_autocast_dtype("xla"),
        lib.get_autocast_dtype("hpu"), lib.get_autocast_dtype("mps"),
        lib.get_autocast_cpu_dtype(), lib.get_autocast_gpu_dtype(),
        lib.get_autocast_ipu_dtype(), lib.get_autocast_xla_dtype(),
        lib.set_autocast_dtype("cpu", lib.float16), lib.get_autocast_dtype("cpu"),
        lib.set_autocast_cpu_dtype(lib.float64), lib.get_autocast_cpu_dtype(),
        lib.set_autocast_gpu_dtype(lib.bfloat16), lib.get_autocast_dtype("cuda"),
        lib.set_autocast_xla_dtype(lib.float16), lib.get_autocast_dtype("xla")],
    "autocast cache and nesting": lambda lib: [
        lib.is_autocast_cache_enabled(), lib.set_autocast_cache_enabled(False),
        lib.is_autocast_cache_enabled(), lib.clear_autocast_cache(),
        lib.autocast_increment_nesting(), lib.autocast_increment_nesting(),
        lib.autocast_decrement_nesting(), lib.autocast_decrement_nesting(),
        lib.autocast_decrement_nesting(), lib.autocast_increment_nesting()],
}


@pytest.mark.parametrize("name", SEQUENCES)
def test_switches_report_what_was_set_as_pytorch(name: str) -> None:
    seen = []
    for lib in (symgrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seen.append([_dtype_name(v) for v in SEQUENCES[name](lib)])
    assert seen[0] == seen[1]


@pytest.mark.parametrize("name", ["is_autocast_cpu_enabled", "get_autocast_cpu_dtype",
                                  "get_autocast_gpu_dtype", "is_autocast_ipu_enabled",
                                  "get_autocast_xla_dtype"])
def test_deprecated_autocast_forms_warn_as_pytorch(name: str) -> None:
    messages = []
    for lib in (symgrad, torch):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            getattr(lib, name)()
        messages.append([(w.category.__name__, str(w.message).split(" (Triggered")[0])
                         for w in seen])
    assert messages[0] == messages[1] and len(messages[0]) == 1


def test_set_flush_denormal_answers_false_where_it_cannot_flush() -> None:
    # PyTorch answers True on a CPU with SSE3 (and flushes); symgrad computes with NumPy,
    # which keeps subnormals, so it answers as PyTorch does on a CPU without the feature
    assert symgrad.set_flush_denormal(True) is False
    assert symgrad.set_flush_denormal(False) is False
    assert symgrad.tensor([1e-310], dtype=symgrad.float64).item() == 1e-310


def test_warn_always_repeats_the_once_per_process_warnings() -> None:
    counts = []
    for lib in (symgrad, torch):
        lib.set_warn_always(True)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for _ in range(3):
                lib.frobenius_norm(lib.ones(2), [0])
        counts.append(len(seen))
        lib.set_warn_always(False)
    assert counts[0] == counts[1] == 3


INFERENCE = {
    "outside": lambda lib: [lib.is_inference_mode_enabled()],
    "inside": lambda lib: _inside(lib, lib.inference_mode()),
    "inside False": lambda lib: _inside(lib, lib.inference_mode(False)),
    "no_grad": lambda lib: _inside(lib, lib.no_grad()),
    "nested": lambda lib: _nested(lib),
    "decorator": lambda lib: _decorated(lib),
}


def _inside(lib, mode) -> list:
    with mode:
        return [lib.is_inference_mode_enabled(), lib.is_grad_enabled()]


def _nested(lib) -> list:
    out = []
    with lib.no_grad():
        with lib.inference_mode(False):
            out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
        with lib.inference_mode():
            out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
            with lib.inference_mode(False):
                out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
            out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
        out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
    out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
    return out


def _decorated(lib) -> list:
    @lib.inference_mode()
    def f():
        return lib.is_inference_mode_enabled(), lib.is_grad_enabled()

    @lib.inference_mode(False)
    def g():
        return lib.is_inference_mode_enabled(), lib.is_grad_enabled()

    with lib.no_grad():
        return [f(), g(), f(), lib.is_inference_mode_enabled()]


@pytest.mark.parametrize("name", INFERENCE)
def test_inference_mode_is_reported_as_pytorch(name: str) -> None:
    assert INFERENCE[name](symgrad) == INFERENCE[name](torch)


ERRORS = {
    "set_anomaly_enabled int": lambda lib: lib.set_anomaly_enabled(1),
    "set_anomaly_enabled check_nan int": lambda lib: lib.set_anomaly_enabled(True, 1),
    "set_warn_always int": lambda lib: lib.set_warn_always(1),
    "set_warn_always str": lambda lib: lib.set_warn_always("x"),
    "set_flush_denormal int": lambda lib: lib.set_flush_denormal(1),
    "debug mode name": lambda lib: lib.set_deterministic_debug_mode("x"),
    "debug mode number": lambda lib: lib.set_deterministic_debug_mode(5),
    "debug mode negative": lambda lib: lib.set_deterministic_debug_mode(-1),
    "debug mode float": lambda lib: lib.set_deterministic_debug_mode(1.0),
    "autocast enabled int": lambda lib: lib.set_autocast_enabled(1),
    "autocast device enabled int": lambda lib: lib.set_autocast_enabled("cpu", 1),
    "autocast device unknown": lambda lib: lib.set_autocast_enabled("xyz", True),
    "autocast is unknown": lambda lib: lib.is_autocast_enabled("xyz"),
    "autocast is meta": lambda lib: lib.is_autocast_enabled("meta"),
    "autocast dtype unknown": lambda lib: lib.get_autocast_dtype("xyz"),
    "autocast set dtype str": lambda lib: lib.set_autocast_dtype("cpu", "x"),
    "autocast cache int": lambda lib: lib.set_autocast_cache_enabled(1),
    "autocast cpu enabled int": lambda lib: lib.set_autocast_cpu_enabled(1),
    "autocast cpu dtype int": lambda lib: lib.set_autocast_cpu_dtype(2),
    "autocast gpu dtype int": lambda lib: lib.set_autocast_gpu_dtype(2),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error, message = raised(ERRORS[name], symgrad)
        assert (error, message.replace("symgrad.", "torch.")) == raised(ERRORS[name], torch)
