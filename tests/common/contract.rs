//! The OpenAPI document (`openapi/openapi.json`) as a checker of real answers: finds the
//! operation a request reached and validates the answer's status and JSON body against the
//! document's response schema for that status.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::Validator;
use serde_json::Value;

pub struct Contract {
    pub doc: Value,
    /// Validators by the JSON pointer of their response schema.
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

impl Contract {
    /// The document in the repository (the one the binary serves).
    pub fn load() -> Contract {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
        let text = std::fs::read_to_string(path).expect("openapi/openapi.json readable");
        Contract {
            doc: serde_json::from_str(&text).expect("openapi.json is JSON"),
            validators: Mutex::default(),
        }
    }

    /// Every `(METHOD, /path template)` the document describes.
    pub fn operations(&self) -> Vec<(String, String)> {
        let paths = self.doc["paths"].as_object().expect("paths");
        let mut operations = Vec::new();
        for (path, item) in paths {
            for method in item.as_object().expect("path item").keys() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    /// The document's path template that `path` (query stripped) falls under: the one with
    /// the most literal segments, as a router tries literals first.
    pub fn template(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let paths = self.doc["paths"].as_object()?;
        paths
            .keys()
            .filter(|template| template_matches(template, path))
            .max_by_key(|template| template.split('/').filter(|s| !s.starts_with('{')).count())
            .cloned()
    }

    /// Checks that `status` is documented for `method path` with `content_type` (none for a
    /// body-less answer) and that a JSON `body` fits the documented schema; says what is
    /// wrong otherwise.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &Value,
    ) -> Result<(), String> {
        let template = self
            .template(path)
            .ok_or_else(|| format!("{method} {path}: no such path in the document"))?;
        let method_key = method.to_lowercase();
        let operation = &self.doc["paths"][&template][&method_key];
        if operation.is_null() {
            return Err(format!(
                "{method} {template}: no such operation in the document"
            ));
        }
        let status_key = status.to_string();
        let Some(mut response) = operation["responses"].get(&status_key) else {
            return Err(format!(
                "{method} {template}: status {status} is not documented"
            ));
        };
        let mut pointer = format!(
            "/paths/{}/{method_key}/responses/{status_key}",
            escape(&template)
        );
        if let Some(reference) = response["$ref"].as_str() {
            pointer = reference.trim_start_matches('#').to_string();
            response = self
                .doc
                .pointer(&pointer)
                .expect("a response $ref resolves");
        }
        let Some(content_type) = content_type else {
            return Ok(());
        };
        if response["content"][content_type].is_null() {
            return Err(format!(
                "{method} {template} {status}: {content_type} is not documented"
            ));
        }
        if content_type != "application/json" {
            return Ok(());
        }
        let pointer = format!("{pointer}/content/application~1json/schema");
        let validator = self.validator(&pointer);
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "{method} {path} {status}: the body does not fit {pointer}: {}\nbody: {body}",
                errors.join("; ")
            )),
        }
    }

    /// The validator of the schema at `pointer`, with the document's components beside it
    /// so that its `$ref`s resolve.
    fn validator(&self, pointer: &str) -> Arc<Validator> {
        let mut cache = self.validators.lock().unwrap();
        cache
            .entry(pointer.to_string())
            .or_insert_with(|| {
                let mut root = self.doc.pointer(pointer).expect("schema").clone();
                root["components"] = self.doc["components"].clone();
                let validator = jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("schema at {pointer} is not valid: {e}"));
                Arc::new(validator)
            })
            .clone()
    }
}

/// Whether `path` fits `template`, a `{…}` segment matching any one non-empty segment.
pub fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// A path as a JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
