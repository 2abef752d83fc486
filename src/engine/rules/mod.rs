//! The rules both back ends follow, written once. A back end only does I/O: memory
//! walks its maps, Redis its keys, and both hand what they find to these functions,
//! so the two cannot drift apart (they used to be kept in step by comments).
//!
//! - [`paging`]: what a page holds, and what each listing's cursor is;
//! - [`history`]: which `seq`s a history window covers;
//! - [`retention`]: how long security events, key tombstones and `client_msg_id`s
//!   are kept;
//! - [`rate`]: the GCRA rate-limit rule (mirrored in `redis/scripts/gcra.lua`).
//!
//! Nothing here touches a store, so each rule is unit-tested here, and the contract
//! suite (`tests/api/engine_contract.rs`) checks that both back ends apply it.

pub mod history;
pub mod paging;
pub mod rate;
pub mod retention;
