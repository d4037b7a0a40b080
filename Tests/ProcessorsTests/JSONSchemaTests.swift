import CollectorCore
@testable import Processors
import Testing

/// The JSON Schema subset the `json` rule checks outputs against: each keyword's verdict and its
/// message, local references, and schemas refused at config time.
@Suite struct JSONSchemaTests {
    static func violation(_ schema: String, _ value: String) throws -> String? {
        try JSONSchema(JSONParser().parse(schema), path: "schema").violation(JSONParser().parse(value))
    }

    static func configError(_ schema: String) -> String {
        do {
            _ = try JSONSchema(JSONParser().parse(schema), path: "schema")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func keywordsAndTheirMessages() throws {
        let person = #"""
            {"type": "object", "required": ["name", "age"], "additionalProperties": false,
             "properties": {"name": {"type": "string", "minLength": 2, "pattern": "^[A-Z]"},
                            "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150},
                            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2}}}
            """#
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 36, "tags": ["a"]}"#) == nil)
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 36.0}"#) == nil)
        #expect(try Self.violation(person, #"{"name": "Ada"}"#) == "$: the required property 'age' is missing")
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 3.5}"#) == "$.age: expected integer, got number")
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 150}"#) == "$.age: 150 is not below 150")
        #expect(try Self.violation(person, #"{"name": "A", "age": 1}"#) == "$.name: 1 characters, fewer than 2")
        #expect(try Self.violation(person, #"{"name": "ada", "age": 1}"#) == "$.name: does not match the pattern ^[A-Z]")
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 1, "x": 0}"#) == "$: the property 'x' is not allowed")
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 1, "tags": ["a", "c"]}"#) == "$.tags[1]: \"c\" is not one of the allowed values")
        #expect(try Self.violation(person, #"{"name": "Ada", "age": 1, "tags": ["a", "a", "b"]}"#) == "$.tags: 3 items, more than 2")
        #expect(try Self.violation(person, #"[1]"#) == "$: expected object, got array")
    }

    @Test func combinatorsAndLocalReferences() throws {
        let schema = #"""
            {"$defs": {"verdict": {"type": "string", "enum": ["yes", "no"]}},
             "type": "object", "properties": {"verdict": {"$ref": "#/$defs/verdict"},
                                              "score": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0.5}]},
                                              "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
                                              "flag": {"not": {"const": true}}}}
            """#
        #expect(try Self.violation(schema, #"{"verdict": "yes", "score": 0.7, "note": null, "flag": false}"#) == nil)
        #expect(try Self.violation(schema, #"{"verdict": "maybe"}"#) == "$.verdict: \"maybe\" is not one of the allowed values")
        #expect(try Self.violation(schema, #"{"score": 1}"#) == "$.score: matches 2 of oneOf, not exactly one")
        #expect(try Self.violation(schema, #"{"note": 3}"#) == "$.note: matches none of anyOf")
        #expect(try Self.violation(schema, #"{"flag": true}"#) == "$.flag: matches a schema under not")
        #expect(try Self.violation("false", "1") == "$: no value is allowed here")
    }

    @Test func schemasItCannotCheckAreRefused() {
        #expect(Self.configError(##"{"type": "object", "$dynamicRef": "#x"}"##).contains("schema.$dynamicRef: is not a supported JSON Schema keyword"))
        #expect(Self.configError(##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##).contains("$ref '#/$defs/missing' names no entry"))
        #expect(Self.configError(#"{"type": "text"}"#).contains("unknown type 'text'"))
        #expect(Self.configError(#"{"minLength": -1}"#).contains("schema.minLength: must be a non-negative integer"))
        #expect(Self.configError(#"{"title": "x", "description": "y", "format": "date"}"#) == "")
    }
}
