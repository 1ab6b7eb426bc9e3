//! Bindings for kernels: numba-compiled functions handed to the engine by address.

use std::sync::Arc;

use chronus_engine as engine;
use engine::kernel::{KernelCode, KernelFn, KernelParam};
use engine::spec::InstanceRef;
use pyo3::prelude::*;

use crate::to_py;

/// A compiled kernel as the engine holds it (see `chronus.kernels`): its function's
/// address, the shape of its arrays and the Python object that owns the machine code,
/// kept alive until the last schedule that can call it has come back from the audio
/// thread and been dropped.
#[pyclass(module = "chronus._core", frozen)]
pub(crate) struct Kernel {
    pub(crate) instance: InstanceRef,
    code: Arc<KernelCode>,
}

#[pymethods]
impl Kernel {
    /// `address` is a C function of the signature documented in `chronus_engine::kernel`
    /// (numba's `cfunc.address`), owned by `owner`; `params` are (name, default, min, max);
    /// `state` is (name, length) per state array.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &str,
        address: usize,
        inputs: usize,
        outputs: usize,
        params: Vec<(String, f32, f32, f32)>,
        state: Vec<(String, usize)>,
        owner: Py<PyAny>,
    ) -> PyResult<Self> {
        if address == 0 {
            return Err(crate::GraphError::new_err(format!("kernel '{name}': null function address")));
        }
        // SAFETY: the caller (chronus.kernels) passes the address of a numba cfunc compiled
        // for exactly this signature and shape, whose IR it checked for allocation and
        // Python calls; `owner` keeps its machine code alive.
        let code = unsafe {
            let func: KernelFn = std::mem::transmute::<usize, KernelFn>(address);
            KernelCode::new(name, func, inputs, outputs, state, Box::new(owner))
        }
        .map_err(to_py)?;
        let code = Arc::new(code);
        let params: Vec<KernelParam> =
            params.into_iter().map(|(name, default, min, max)| KernelParam { name, default, min, max }).collect();
        let instance = engine::kernel::instance(code.clone(), &params).map_err(to_py)?;
        Ok(Kernel { instance, code })
    }

    /// The kernel's name.
    #[getter]
    fn name(&self) -> String {
        self.code.name().to_owned()
    }
}
