package dev.grace.boot.tomcat;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.Processor;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.coyote.http11.upgrade.UpgradeProcessorBase;
import org.apache.tomcat.util.http.MimeHeaders;

/**
 * Tomcat's HTTP/1.1 NIO protocol on a {@link GraceNioEndpoint}: the name to give
 * {@code TomcatServletWebServerFactory#setProtocol} or {@code new Connector(…)} so that a
 * connector can adopt an inherited socket and drain without losing requests.
 * <p>
 * Once its endpoint stopped accepting, every response it commits says
 * {@code Connection: close}, whatever keep-alive was decided when its request started,
 * so that the client's next request goes to the new process; a stream ended at the
 * handover closes its connection after its last chunk ({@link GraceHttp11Processor}).
 * It also knows
 * its long-lived connections (upgraded ones: WebSocket, HTTP/2; asynchronous responses
 * that stream without end) and can end the streams.
 * <p>
 * What this relies on in Tomcat 11.0.22, besides what {@link GraceNioEndpoint} lists
 * (checked by {@code GraceNioEndpointTomcatContractTests}):
 * <ul>
 * <li><b>Commit.</b> {@code Http11Processor.prepareResponse()} calls
 * {@link #useCompression(Request, Response)} on the committing thread for every response
 * with a body, before it reads the {@code Connection} header to decide on keep-alive and
 * chunking: a {@code Connection: close} added there turns keep-alive off, as one the
 * application set would.</li>
 * <li><b>Waiting processors.</b> The connection handler registers every processor that
 * waits on a connection (an asynchronous request: HTTP/1.1's or an HTTP/2 stream's; an
 * upgraded connection) through {@link #addWaitingProcessor(Processor)} and forgets it
 * through {@link #removeWaitingProcessor(Processor)}; {@code timeoutAsync(-1)} times an
 * asynchronous request out at once, on a container thread, as {@code stop()} does.</li>
 * </ul>
 */
public class GraceHttp11NioProtocol extends Http11NioProtocol {

	/**
	 * The request attribute set on a stream this protocol ends at the handover, just
	 * before its asynchronous timeout runs: a framework can then end it as completed
	 * rather than timed out.
	 */
	public static final String STREAM_ENDED_ATTRIBUTE = GraceHttp11NioProtocol.class.getName() + ".STREAM_ENDED";

	private final Set<Processor> waiting = ConcurrentHashMap.newKeySet();

	public GraceHttp11NioProtocol() {
		super(new GraceNioEndpoint());
	}

	/**
	 * The endpoint, to attach it to the handover.
	 * @return the endpoint
	 */
	public GraceNioEndpoint getGraceEndpoint() {
		return (GraceNioEndpoint) getEndpoint();
	}

	@Override
	protected Processor createProcessor() {
		return new GraceHttp11Processor(this, getAdapter());
	}

	// Called while the response commits, on its own thread: the only moment its headers
	// may be changed safely.
	@Override
	public boolean useCompression(Request request, Response response) {
		if (getGraceEndpoint().isAcceptingStopped()) {
			closeAfter(response);
		}
		return super.useCompression(request, response);
	}

	private static void closeAfter(Response response) {
		MimeHeaders headers = response.getMimeHeaders();
		for (int i = 0; i < headers.size(); i++) {
			if (headers.getName(i).equalsIgnoreCase("Connection")
					&& headers.getValue(i).toString().toLowerCase(Locale.ROOT).contains("close")) {
				return;
			}
		}
		response.addHeader("Connection", "close");
	}

	@Override
	public void addWaitingProcessor(Processor processor) {
		super.addWaitingProcessor(processor);
		this.waiting.add(processor);
	}

	@Override
	public void removeWaitingProcessor(Processor processor) {
		this.waiting.remove(processor);
		super.removeWaitingProcessor(processor);
	}

	/**
	 * Upgraded connections open: WebSocket sessions and HTTP/2 connections.
	 * @return their number
	 */
	public int upgradedConnections() {
		int count = 0;
		for (Processor processor : this.waiting) {
			if (processor instanceof UpgradeProcessorBase) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Asynchronous requests whose response is under way with a content type that never
	 * ends by itself (server-sent events): HTTP/1.1 requests and HTTP/2 streams.
	 * @param streamType whether a content type is one of those
	 * @return their number
	 */
	public int streams(Predicate<String> streamType) {
		int count = 0;
		for (Processor processor : this.waiting) {
			if (isStream(processor, streamType)) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Ends every stream as its asynchronous timeout would, now: the application's timeout
	 * handling runs on a container thread (Spring MVC completes an {@code SseEmitter},
	 * WebFlux cancels the stream) and the response ends well-formed, with its last chunk
	 * (HTTP/1.1) or END_STREAM (HTTP/2). A response that is not under way yet is a request
	 * in flight, answered as usual; one under way with another content type (a download)
	 * is left to finish.
	 * @param streamType whether a content type is one of a stream
	 * @return how many were ended
	 */
	public int endStreams(Predicate<String> streamType) {
		int ended = 0;
		for (Processor processor : this.waiting) {
			if (isStream(processor, streamType)) {
				((AbstractProcessor) processor).getRequest().setAttribute(STREAM_ENDED_ATTRIBUTE, Boolean.TRUE);
				processor.timeoutAsync(-1);
				ended++;
			}
		}
		return ended;
	}

	/**
	 * Marks every stream as ended at the handover, for a framework that ends them itself:
	 * each closes its connection once its response is complete.
	 * @param streamType whether a content type is one of a stream
	 * @return how many were marked
	 */
	public int markStreamsEnded(Predicate<String> streamType) {
		int marked = 0;
		for (Processor processor : this.waiting) {
			if (isStream(processor, streamType)) {
				((AbstractProcessor) processor).getRequest().setAttribute(STREAM_ENDED_ATTRIBUTE, Boolean.TRUE);
				marked++;
			}
		}
		return marked;
	}

	private static boolean isStream(Processor processor, Predicate<String> streamType) {
		if (!(processor instanceof AbstractProcessor request) || !request.isAsync()) {
			return false;
		}
		Response response = request.getRequest().getResponse();
		String contentType = response.getContentType();
		return response.isCommitted() && contentType != null && streamType.test(contentType);
	}

}
