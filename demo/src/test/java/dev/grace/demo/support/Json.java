package dev.grace.demo.support;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON bodies read with a real (strict) parser, fields addressed by JSON Pointer
 * ({@code /lastRestart/outcome}): a body that is not JSON, or a field of the wrong type,
 * is an error, never a silent miss.
 */
public final class Json {

	private Json() {
	}

	/**
	 * Parses a JSON text.
	 * @param text the text
	 * @return its tree
	 * @throws IllegalStateException if it is not JSON
	 */
	public static JsonNode parse(String text) {
		try {
			return JsonMapper.shared().readTree(text);
		}
		catch (JacksonException ex) {
			throw new IllegalStateException("Not JSON: " + text, ex);
		}
	}

	/**
	 * A string field.
	 * @param json the tree
	 * @param pointer where, as a JSON Pointer
	 * @return the string, null if the field is absent or null
	 * @throws IllegalStateException if the field is not a string
	 */
	public static String string(JsonNode json, String pointer) {
		JsonNode value = json.at(pointer);
		if (value.isMissingNode() || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			throw new IllegalStateException(pointer + " is not a string in " + json);
		}
		return value.stringValue();
	}

	/**
	 * An integer field.
	 * @param json the tree
	 * @param pointer where, as a JSON Pointer
	 * @return the number, -1 if the field is absent or null
	 * @throws IllegalStateException if the field is not an integer
	 */
	public static long number(JsonNode json, String pointer) {
		JsonNode value = json.at(pointer);
		if (value.isMissingNode() || value.isNull()) {
			return -1;
		}
		if (!value.isIntegralNumber() || !value.canConvertToLong()) {
			throw new IllegalStateException(pointer + " is not an integer in " + json);
		}
		return value.longValue();
	}

}
