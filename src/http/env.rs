//! Settings and credentials from the environment — the only place credentials come from.

/// Where variables are read from: the process's environment, or a fixed one in tests.
pub trait Env {
    /// The variable's value; unset and blank are the same.
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

/// A variable a command cannot go on without.
#[derive(Debug, thiserror::Error)]
#[error("the environment variable {0} is not set")]
pub struct MissingVariable(pub &'static str);

impl MissingVariable {
    pub fn help(&self) -> String {
        format!(
            "set {} in the environment; credentials are never read from the mapping or the command line",
            self.0
        )
    }
}

pub fn required(env: &dyn Env, name: &'static str) -> Result<String, MissingVariable> {
    env.var(name).ok_or(MissingVariable(name))
}
