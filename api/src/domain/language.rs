//! The language a client reads: their text messages and My Account pages
//! (issue 19, item 6). Staff choose it on the client page; every client
//! starts in English.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A client's language, stored and sent as its ISO 639-1 code (`en`, `es`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (`en`), the default.
    #[default]
    En,
    /// Spanish (`es`), as written to clients in the United States (Texas).
    Es,
}

impl Language {
    /// Every language, in the order staff are offered them.
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    /// The language of an ISO 639-1 code, exactly as stored and sent (`en`,
    /// `es`); `None` for anything else.
    pub fn parse(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.as_str() == code)
    }

    /// The ISO 639-1 code: `en`, `es`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    /// The language's name in English, as the Client Log writes it.
    pub const fn english_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Spanish",
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_and_written_as_their_two_letter_codes() {
        for language in Language::ALL {
            assert_eq!(Language::parse(language.as_str()), Some(language));
            assert_eq!(
                serde_json::to_string(&language).unwrap(),
                format!("\"{language}\"")
            );
        }
        assert_eq!(Language::default(), Language::En);
        for other in ["", "EN", "Es", "fr", "es-US", " es"] {
            assert_eq!(Language::parse(other), None, "{other:?}");
        }
    }
}
