package dev.grace.demo.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * HTTP/1.1 over a plain socket, so that nothing retries, reconnects or hides a reset:
 * every request is sent once and its failure is seen as it happened.
 */
public final class RawHttp implements AutoCloseable {

	private static final int TIMEOUT_MILLIS = 60_000;

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private final int port;

	private RawHttp(int port) throws IOException {
		this.port = port;
		this.socket = new Socket();
		this.socket.setSoTimeout(TIMEOUT_MILLIS);
		this.socket.setTcpNoDelay(true);
		this.socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
		this.in = this.socket.getInputStream();
		this.out = this.socket.getOutputStream();
	}

	/**
	 * Opens a connection to 127.0.0.1.
	 * @param port the port
	 * @return the connection
	 * @throws IOException if it cannot connect
	 */
	public static RawHttp connect(int port) throws IOException {
		return new RawHttp(port);
	}

	/**
	 * One request on a new connection that is closed afterwards.
	 * @param port the port
	 * @param method the method
	 * @param path the path
	 * @param body the body or null
	 * @return the response
	 * @throws IOException on any failure
	 */
	public static Response once(int port, String method, String path, byte[] body) throws IOException {
		try (RawHttp http = connect(port)) {
			return http.send(method, path, body, false);
		}
	}

	public static Response get(int port, String path) throws IOException {
		return once(port, "GET", path, null);
	}

	/**
	 * Sends a request on this connection and reads the whole response.
	 * @param method the method
	 * @param path the path
	 * @param body the body or null
	 * @param keepAlive whether to ask to keep the connection open
	 * @return the response
	 * @throws IOException on any failure, including EOF before a complete response
	 */
	public Response send(String method, String path, byte[] body, boolean keepAlive) throws IOException {
		writeRequest(method, path, body, keepAlive);
		return readResponse();
	}

	/**
	 * Writes a request without reading the response.
	 * @param method the method
	 * @param path the path
	 * @param body the body or null
	 * @param keepAlive whether to ask to keep the connection open
	 * @throws IOException on failure
	 */
	public void writeRequest(String method, String path, byte[] body, boolean keepAlive) throws IOException {
		StringBuilder head = new StringBuilder();
		head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
		head.append("Host: 127.0.0.1:").append(this.port).append("\r\n");
		head.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n");
		if (body != null) {
			head.append("Content-Type: application/octet-stream\r\n");
			head.append("Content-Length: ").append(body.length).append("\r\n");
		}
		head.append("\r\n");
		this.out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
		if (body != null) {
			this.out.write(body);
		}
		this.out.flush();
	}

	/**
	 * Reads one whole response.
	 * @return the response
	 * @throws IOException on failure or EOF before the response is complete
	 */
	public Response readResponse() throws IOException {
		String statusLine = readLine();
		String[] parts = statusLine.split(" ", 3);
		if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
			throw new IOException("Malformed status line: " + statusLine);
		}
		int status = Integer.parseInt(parts[1]);
		Map<String, String> headers = new LinkedHashMap<>();
		for (String line = readLine(); !line.isEmpty(); line = readLine()) {
			int colon = line.indexOf(':');
			headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
		}
		byte[] body;
		if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
			body = readChunked();
		}
		else if (headers.containsKey("content-length")) {
			body = readExactly(Integer.parseInt(headers.get("content-length")));
		}
		else {
			body = this.in.readAllBytes();
		}
		return new Response(status, headers, body);
	}

	private byte[] readChunked() throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		while (true) {
			String sizeLine = readLine();
			int semicolon = sizeLine.indexOf(';');
			int size = Integer.parseInt((semicolon >= 0) ? sizeLine.substring(0, semicolon) : sizeLine.trim(), 16);
			if (size == 0) {
				while (!readLine().isEmpty()) {
					// trailers
				}
				return body.toByteArray();
			}
			body.write(readExactly(size));
			readLine();
		}
	}

	private byte[] readExactly(int n) throws IOException {
		byte[] bytes = this.in.readNBytes(n);
		if (bytes.length != n) {
			throw new EOFException("EOF after " + bytes.length + " of " + n + " body bytes");
		}
		return bytes;
	}

	private String readLine() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		while (true) {
			int b = this.in.read();
			if (b < 0) {
				throw new EOFException("EOF before a complete response");
			}
			if (b == '\n') {
				String text = line.toString(StandardCharsets.US_ASCII);
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			line.write(b);
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * A response.
	 *
	 * @param status the status code
	 * @param headers the headers, names in lower case
	 * @param body the body
	 */
	public record Response(int status, Map<String, String> headers, byte[] body) {

		public String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

		public boolean closesConnection() {
			return "close".equalsIgnoreCase(this.headers.get("connection"));
		}

		/**
		 * The body as JSON.
		 * @return its tree
		 * @throws IllegalStateException if the body is not JSON
		 */
		public JsonNode json() {
			return Json.parse(text());
		}

		/**
		 * Whether the body is a JSON object.
		 * @return true if it is
		 */
		public boolean isJsonObject() {
			try {
				return json().isObject();
			}
			catch (IllegalStateException ex) {
				return false;
			}
		}

		/**
		 * Reads a top-level integer field of a JSON body.
		 * @param field the field name
		 * @return its value
		 * @throws IllegalStateException if the body is not JSON or the field is not an
		 * integer
		 */
		public long jsonLong(String field) {
			JsonNode value = json().get(field);
			if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
				throw new IllegalStateException("No integer field " + field + " in " + text());
			}
			return value.longValue();
		}

		/**
		 * Reads a string field of a JSON body.
		 * @param pointer where, as a JSON Pointer ({@code /restart/trigger})
		 * @return its value, null if absent or null
		 * @throws IllegalStateException if the body is not JSON or the field is not a
		 * string
		 */
		public String jsonString(String pointer) {
			return Json.string(json(), pointer);
		}

	}

}
