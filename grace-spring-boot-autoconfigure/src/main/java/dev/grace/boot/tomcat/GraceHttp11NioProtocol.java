package dev.grace.boot.tomcat;

import java.util.Locale;
import java.util.Map;
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
 * Once its endpoint stopped accepting, every HTTP/1.1 response it commits with a body says
 * {@code Connection: close}, whatever keep-alive was decided when its request started,
 * so that the client's next request goes to the new process; a stream that ends then
 * closes its connection after its last chunk ({@link GraceHttp11Processor}). It also
 * knows its long-lived connections (upgraded ones: WebSocket, HTTP/2; asynchronous
 * responses under way with a stream's content type) and can end the streams.
 * <p>
 * What this relies on in Tomcat 11.0.22, besides what {@link GraceNioEndpoint} lists
 * (checked by {@code GraceNioEndpointTomcatContractTests}):
 * <ul>
 * <li><b>Commit.</b> {@code Http11Processor.prepareResponse()} calls
 * {@link #useCompression(Request, Response)} on the committing thread for a response with
 * a body that is not sent with sendfile, before it reads the {@code Connection} header
 * to decide on keep-alive and chunking: a {@code Connection: close} added there turns
 * keep-alive off, as one the application set would, and trailer fields keep a response
 * of unknown length chunked. HTTP/2 streams call it too ({@code Http2Protocol}), where a
 * {@code Connection} header is forbidden: they are left alone, GOAWAY does the job. A
 * 204 or 304 answered after the stop keeps its keep-alive; its connection is closed as
 * an idle one by the drain.</li>
 * <li><b>Waiting processors.</b> The connection handler registers every processor that
 * waits on a connection (an asynchronous request: HTTP/1.1's or an HTTP/2 stream's; an
 * upgraded connection) through {@link #addWaitingProcessor(Processor)}; it forgets it
 * through {@link #removeWaitingProcessor(Processor)}, or recycles it without saying so
 * when its connection is released, so a processor here may be idle or serve another
 * request. {@code timeoutAsync(-1)} times an asynchronous request out at once, on a
 * container thread, as {@code stop()} does.</li>
 * </ul>
 */
public class GraceHttp11NioProtocol extends Http11NioProtocol {

	private static final Predicate<String> EVENT_STREAM = (type) -> type.toLowerCase(Locale.ROOT)
		.startsWith("text/event-stream");

	private final Set<Processor> waiting = ConcurrentHashMap.newKeySet();

	// the requests already timed out, by their start: one asynchronous timeout each
	private final Map<Processor, Long> ended = new ConcurrentHashMap<>();

	private volatile Predicate<String> streamType = EVENT_STREAM;

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

	/**
	 * Sets which content types are streams (responses that never end by themselves).
	 * @param streamType whether a content type is one; {@code text/event-stream} until set
	 */
	public void setStreamTypes(Predicate<String> streamType) {
		this.streamType = streamType;
	}

	@Override
	protected Processor createProcessor() {
		return new GraceHttp11Processor(this, getAdapter());
	}

	// Called while the response commits, on its own thread: the only moment its headers
	// may be changed safely.
	@Override
	public boolean useCompression(Request request, Response response) {
		if (getGraceEndpoint().isAcceptingStopped() && request.protocol().toString().startsWith("HTTP/1.")) {
			closeAfter(request, response);
		}
		return super.useCompression(request, response);
	}

	private static void closeAfter(Request request, Response response) {
		MimeHeaders headers = response.getMimeHeaders();
		for (int i = 0; i < headers.size(); i++) {
			if (headers.getName(i).equalsIgnoreCase("Connection")
					&& headers.getValue(i).toString().toLowerCase(Locale.ROOT).contains("close")) {
				return;
			}
		}
		// Without a length, Tomcat would delimit the body by the close, and a cut body
		// would look complete: trailer fields (none) keep it chunked.
		if (response.getContentLengthLong() == -1 && response.getTrailerFields() == null
				&& !"HEAD".equals(request.getMethod())) {
			try {
				response.setTrailerFields(() -> null);
			}
			catch (IllegalStateException ex) {
				// HTTP/1.0: no chunking, the close delimits the body as it always does
			}
		}
		response.addHeader("Connection", "close");
	}

	/**
	 * Whether a response that just ended closes its connection: a stream's, once this
	 * endpoint stopped accepting. Asked on the thread that ends it.
	 * @param response the response
	 * @return true to close
	 */
	boolean closesAfter(Response response) {
		String contentType = response.getContentType();
		return getGraceEndpoint().isAcceptingStopped() && contentType != null && this.streamType.test(contentType);
	}

	@Override
	public void addWaitingProcessor(Processor processor) {
		super.addWaitingProcessor(processor);
		this.waiting.add(processor);
	}

	@Override
	public void removeWaitingProcessor(Processor processor) {
		this.waiting.remove(processor);
		this.ended.remove(processor);
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
	 * Asynchronous requests whose response is under way with a stream's content type:
	 * HTTP/1.1 requests and HTTP/2 streams.
	 * @return their number
	 */
	public int streams() {
		int count = 0;
		for (Processor processor : this.waiting) {
			if (isStream(processor)) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Ends every stream as its asynchronous timeout would, now, once per request: the
	 * application's timeout handling runs on a container thread (Spring MVC completes an
	 * {@code SseEmitter}) and the response ends well-formed, with its last chunk (HTTP/1.1)
	 * or END_STREAM (HTTP/2). A response that is not under way yet is a request in flight,
	 * answered as usual; one under way with another content type (a download) is left to
	 * finish.
	 * @return how many were ended now
	 */
	public int endStreams() {
		int ended = 0;
		for (Processor processor : this.waiting) {
			if (isStream(processor)) {
				Long started = ((AbstractProcessor) processor).getRequest().getStartTimeNanos();
				if (!started.equals(this.ended.put(processor, started))) {
					processor.timeoutAsync(-1);
					ended++;
				}
			}
		}
		return ended;
	}

	private boolean isStream(Processor processor) {
		if (!(processor instanceof AbstractProcessor request) || !request.isAsync()) {
			return false;
		}
		Response response = request.getRequest().getResponse();
		String contentType = response.getContentType();
		return response.isCommitted() && contentType != null && this.streamType.test(contentType);
	}

}
