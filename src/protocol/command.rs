//! Command messages (types 20 and 17): a name, a transaction id, a command object and arguments.

use super::amf0::Value;
use super::Limits;

/// Why a command message body could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("command message is empty")]
    Empty,
}

/// A decoded command: `["name", transaction id, command object, args...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    pub transaction_id: f64,
    /// The command object (often Null).
    pub command_object: Value,
    pub arguments: Vec<Value>,
}

impl Command {
    /// Decodes a command body. `amf3` is true for message type 17, whose body starts with a 0x00
    /// format byte before AMF0 values.
    pub fn decode(payload: &[u8], amf3: bool, limits: &Limits) -> Result<Command, CommandError> {
        let _ = (payload, amf3, limits);
        todo!("command decode")
    }

    /// Appends the AMF0 encoding (type 20 body) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let _ = out;
        todo!("command encode")
    }
}
