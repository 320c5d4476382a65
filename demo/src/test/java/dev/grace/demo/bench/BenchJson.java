package dev.grace.demo.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmarks' JSON: maps, lists, numbers (doubles with three decimals, NaN and
 * infinities as null), booleans and strings, written in a stable order.
 */
final class BenchJson {

	private BenchJson() {
	}

	static String write(Object value) {
		if (value instanceof Map<?, ?> map) {
			List<String> entries = new ArrayList<>();
			map.forEach((k, v) -> entries.add(quote(k.toString()) + ": " + write(v)));
			return "{" + String.join(", ", entries) + "}";
		}
		if (value instanceof List<?> list) {
			return "[" + String.join(", ", list.stream().map(BenchJson::write).toList()) + "]";
		}
		if (value instanceof Double d) {
			return (d.isNaN() || d.isInfinite()) ? "null" : String.format(Locale.ROOT, "%.3f", d);
		}
		if (value instanceof Number || value instanceof Boolean) {
			return value.toString();
		}
		return quote(String.valueOf(value));
	}

	private static String quote(String s) {
		StringBuilder out = new StringBuilder("\"");
		for (char ch : s.toCharArray()) {
			switch (ch) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (ch < 0x20) {
						out.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
					}
					else {
						out.append(ch);
					}
				}
			}
		}
		return out.append('"').toString();
	}

}
