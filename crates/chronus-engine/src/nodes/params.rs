//! Declaring a node kind's parameters once, by name.
//!
//! [`params!`] turns one declaration (each parameter's name, default, range, unit,
//! smoothing and doc) into both halves a node needs:
//!
//! - `Name::SPECS`, the `&'static [ParamSpec]` its [`NodeSpec`](crate::spec::NodeSpec)
//!   lists (what the graph validates against and what Python introspects);
//! - a struct with one field per parameter, so `process` reads them by name:
//!   `let p = SvfParams::from(io.params); p.cutoff`.
//!
//! The struct is generic over what each field holds: from the node's
//! [`ParamView`](crate::node::ParamView)s it holds views, from `Name::SPECS` it holds the
//! specs themselves (`SvfParams::from(SvfParams::SPECS).cutoff.max`). The fields come in
//! the order of the declaration, which is the order the engine passes the views in, so
//! there is no index to keep by hand.
//!
//! ```ignore
//! params! {
//!     /// Parameters of `svf`.
//!     pub(crate) struct SvfParams {
//!         cutoff: ParamDef { default: 1000.0, min: 1.0, max: 100_000.0, unit: "Hz", smooth: true, doc: "..." },
//!         q: Q,
//!     }
//! }
//! ```
//!
//! A run of numbered parameters is a group: `bands: [Band; K in 1, 2, 3] { freq: F, q: Q }`
//! declares `freq1, q1, freq2, q2, freq3, q3` (in that order) and the field
//! `bands: [Band<T>; 3]`, each `Band` holding `freq` and `q`; `K` is a `usize` constant
//! that the definitions may use (the number of the copy being declared).
//!
//! Two kinds that share their parameters' names but not their ranges or defaults share
//! one struct: `params!(impl ModDelayParams::FLANGER { rate: ..., ... })` declares a second
//! spec list, checked at compile time to name the same parameters in the same order.

use crate::spec::ParamSpec;

/// A parameter's definition without its name ([`params!`] names it after its field).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamDef {
    /// Value used when the user sets none.
    pub default: f32,
    /// Smallest value accepted; modulation signals are clamped to it.
    pub min: f32,
    /// Largest value accepted; modulation signals are clamped to it.
    pub max: f32,
    /// Unit shown to users ("Hz", "s", "dB", "" for plain numbers).
    pub unit: &'static str,
    /// Whether changes glide over the smoothing time by default (false for gates).
    pub smooth: bool,
    /// One-line description.
    pub doc: &'static str,
}

impl ParamDef {
    /// The spec of this parameter under `name`.
    pub(crate) const fn named(self, name: &'static str) -> ParamSpec {
        let ParamDef { default, min, max, unit, smooth, doc } = self;
        ParamSpec { name, default, min, max, unit, smooth, doc }
    }
}

/// What [`params!`] fills its spec arrays with before writing them (never seen).
pub(crate) const UNSET: ParamSpec =
    ParamSpec { name: "", default: 0.0, min: 0.0, max: 0.0, unit: "", smooth: false, doc: "" };

/// Whether two spec lists name the same parameters in the same order (compile-time check
/// of a second spec list for one parameter struct).
pub(crate) const fn same_names(a: &[ParamSpec], b: &[ParamSpec]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        let (x, y) = (a[i].name.as_bytes(), b[i].name.as_bytes());
        if x.len() != y.len() {
            return false;
        }
        let mut j = 0;
        while j < x.len() {
            if x[j] != y[j] {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// Declares a node kind's parameters once; see the [module documentation](self).
macro_rules! params {
    // A second spec list for an existing parameter struct.
    (impl $name:ident :: $variant:ident { $($field:ident : $def:expr),+ $(,)? }) => {
        impl $name<()> {
            #[doc = concat!("Specs of the same parameters as [`", stringify!($name), "::SPECS`], another kind's ranges and defaults.")]
            pub(crate) const $variant: &'static [$crate::spec::ParamSpec] = &[$($def.named(stringify!($field))),+];
        }
        const _: () = assert!(
            $crate::nodes::params::same_names($name::SPECS, $name::$variant),
            concat!(stringify!($name), "::", stringify!($variant), " must name the same parameters in the same order"),
        );
    };
    // The declaration: collect fields, initializers, spec writes and the count, entry by
    // entry. The identifiers used across steps are made here, so they match in the end.
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($body:tt)* }) => {
        $crate::nodes::params::params!(@munch [$(#[$meta])* $vis $name] (out at next) [] [] [] [] [] $($body)*);
    };
    // A group of numbered parameters.
    (@munch $head:tt ($out:ident $at:ident $next:ident) [$($fields:tt)*] [$($init:tt)*] [$($fill:tt)*] [$($len:tt)*] [$($groups:tt)*]
        $field:ident : [$group:ident ; $k:ident in $($n:literal),+] { $($gf:ident : $gd:expr),+ $(,)? } $(, $($rest:tt)*)?) => {
        $crate::nodes::params::params!(@munch $head ($out $at $next)
            [$($fields)*
                #[doc = concat!("The `", stringify!($field), "` group of parameters.")]
                pub $field: [$group<T>; [$($n),+].len()],
            ]
            [$($init)* $field: ::std::array::from_fn(|_| $group { $($gf: $next()),+ }),]
            [$($fill)* $crate::nodes::params::params!(@fill_group $out $at $k [$($n),+] { $($gf : $gd),+ });]
            [$($len)* + $crate::nodes::params::params!(@count $($n)+) * $crate::nodes::params::params!(@count $($gf)+)]
            [$($groups)* [$group $($gf)+]]
            $($($rest)*)?);
    };
    // One parameter.
    (@munch $head:tt ($out:ident $at:ident $next:ident) [$($fields:tt)*] [$($init:tt)*] [$($fill:tt)*] [$($len:tt)*] [$($groups:tt)*]
        $field:ident : $def:expr $(, $($rest:tt)*)?) => {
        $crate::nodes::params::params!(@munch $head ($out $at $next)
            [$($fields)*
                #[doc = concat!("The `", stringify!($field), "` parameter.")]
                pub $field: T,
            ]
            [$($init)* $field: $next(),]
            [$($fill)* $out[$at] = $def.named(stringify!($field)); $at += 1;]
            [$($len)* + 1]
            [$($groups)*]
            $($($rest)*)?);
    };
    // Every entry read: write the struct, its group structs, the specs and `From`.
    (@munch [$(#[$meta:meta])* $vis:vis $name:ident] ($out:ident $at:ident $next:ident)
        [$($fields:tt)*] [$($init:tt)*] [$($fill:tt)*] [$($len:tt)*] [$([$group:ident $($gf:ident)+])*]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name<T> { $($fields)* }
        $(
            #[doc = concat!("One numbered group of [`", stringify!($name), "`].")]
            #[derive(Debug, Clone, Copy)]
            $vis struct $group<T> {
                $(
                    #[doc = concat!("The `", stringify!($gf), "` parameter of this group.")]
                    pub $gf: T,
                )+
            }
        )*
        impl $name<()> {
            /// The parameters' specs, in the order the node receives their views.
            $vis const SPECS: &'static [$crate::spec::ParamSpec] = &{
                let mut $out = [$crate::nodes::params::UNSET; 0 $($len)*];
                let mut $at = 0;
                $($fill)*
                assert!($at == $out.len());
                $out
            };
        }
        impl<T: Copy> From<&[T]> for $name<T> {
            /// The fields from one value per parameter, in spec order (the engine passes
            /// exactly one view per parameter).
            fn from(values: &[T]) -> Self {
                debug_assert_eq!(values.len(), $name::SPECS.len(), concat!("values for ", stringify!($name)));
                let mut i = 0;
                let mut $next = || {
                    let v = values[i];
                    i += 1;
                    v
                };
                $name { $($init)* }
            }
        }
    };
    (@count $($x:tt)*) => { <[()]>::len(&[$($crate::nodes::params::params!(@unit $x)),*]) };
    (@unit $x:tt) => { () };
    (@fill_group $out:ident $at:ident $k:ident [$($n:literal),+] $fields:tt) => {
        $( $crate::nodes::params::params!(@fill_one $out $at $k $n $fields); )+
    };
    (@fill_one $out:ident $at:ident $k:ident $n:literal { $($gf:ident : $gd:expr),+ }) => {
        $(
            $out[$at] = {
                #[allow(dead_code)]
                const $k: usize = $n;
                $gd
            }
            .named(concat!(stringify!($gf), $n));
            $at += 1;
        )+
    };
}

pub(crate) use params;

#[cfg(test)]
mod tests {
    use super::*;

    const fn plain(default: f32) -> ParamDef {
        ParamDef { default, min: -1.0, max: 10.0, unit: "", smooth: true, doc: "A test parameter." }
    }

    params! {
        /// Parameters with a group in the middle.
        struct Example {
            first: plain(1.0),
            ops: [Op; K in 1, 2, 3] { ratio: plain(K as f32), level: plain(0.5) },
            last: ParamDef { default: 2.0, min: 0.0, max: 4.0, unit: "s", smooth: false, doc: "Last." },
        }
    }

    params!(impl Example::OTHER {
        first: plain(3.0),
        ratio1: plain(0.0),
        level1: plain(0.0),
        ratio2: plain(0.0),
        level2: plain(0.0),
        ratio3: plain(0.0),
        level3: plain(0.0),
        last: plain(0.0),
    });

    #[test]
    fn names_follow_the_declaration_and_fields_read_in_spec_order() {
        let names: Vec<&str> = Example::SPECS.iter().map(|p| p.name).collect();
        assert_eq!(names, ["first", "ratio1", "level1", "ratio2", "level2", "ratio3", "level3", "last"]);
        assert_eq!(Example::SPECS[5].default, 3.0, "K is the number of the copy");
        assert_eq!((Example::SPECS[7].unit, Example::SPECS[7].smooth), ("s", false));
        let values: Vec<usize> = (0..Example::SPECS.len()).collect();
        let p = Example::from(&values[..]);
        assert_eq!((p.first, p.ops[0].ratio, p.ops[2].level, p.last), (0, 1, 6, 7));
        let specs = Example::from(Example::SPECS);
        assert_eq!((specs.ops[1].level.name, specs.last.max), ("level2", 4.0));
        assert_eq!(Example::OTHER[0].default, 3.0);
        assert!(!same_names(Example::SPECS, &Example::OTHER[1..]));
    }
}
