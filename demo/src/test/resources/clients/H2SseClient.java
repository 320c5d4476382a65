import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A server-sent event stream over h2c with the JDK's HttpClient, run as its own process
 * (java H2SseClient.java PORT) on a JDK whose client lets the streams a GOAWAY keeps
 * finish (24+; 17's fails them at once). Prints "version HTTP_2", then every line of the
 * stream as "line <text>", then "end" when it ended with END_STREAM, or "failed <why>".
 */
public class H2SseClient {

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_2)
			.connectTimeout(Duration.ofSeconds(10))
			.build();
		// the upgrade to h2c happens on a request without a body
		client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
				HttpResponse.BodyHandlers.ofString());
		HttpResponse<java.util.stream.Stream<String>> response = client.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sse")).build(),
				HttpResponse.BodyHandlers.ofLines());
		System.out.println("version " + response.version());
		System.out.flush();
		try {
			response.body().forEach((line) -> {
				System.out.println("line " + line);
				System.out.flush();
			});
			System.out.println("end");
		}
		catch (RuntimeException ex) {
			System.out.println("failed " + ex);
		}
		System.out.flush();
	}

}
