//! The errors a scenario or a run can give: a bad value ([`ConfigError`], naming the key as
//! `--set` writes it), a bad input file ([`InputError`], naming the file and line), and
//! [`SimError`], either of them.

/// A scenario that failed validation: the dotted key and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// An error in an input file (a trace or a data file): the file, the 1-based line and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Why a run could not start or could not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum SimError {
    /// An invalid scenario value.
    Config(ConfigError),
    /// A bad or unreadable input file.
    Input(InputError),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Config(e) => write!(f, "{e}"),
            SimError::Input(e) => write!(f, "{e}"),
        }
    }
}
impl std::error::Error for SimError {}

impl From<InputError> for SimError {
    fn from(e: InputError) -> Self {
        SimError::Input(e)
    }
}
