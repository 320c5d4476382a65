package dev.grace.boot.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.Acceptor;
import org.apache.tomcat.util.net.Acceptor.AcceptorState;
import org.apache.tomcat.util.net.NioEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.Opcodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Tomcat behaviour {@link GraceNioEndpoint} relies on (see its class Javadoc), checked
 * on a real embedded Tomcat on 127.0.0.1 with a {@link GraceHttp11NioProtocol} connector,
 * so that a Tomcat upgrade that breaks one fails here and names it. The endpoint is not
 * attached to a handover: these are Tomcat's contracts, not the handover's.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class GraceNioEndpointTomcatContractTests {

	private static final Duration QUICK = Duration.ofSeconds(2);

	private static final String PROBE = "Contract test probe (ignore): Tomcat's warnings are captured";

	// Where Tomcat logs accept failures, connection count and acceptor stop problems.
	private static final List<String> TOMCAT_LOGGERS = List.of("org.apache.tomcat.util.net", "org.apache.coyote");

	private final List<Logger> loggers = new ArrayList<>();

	private final List<LogRecord> problems = new CopyOnWriteArrayList<>();

	private final Handler capture = new Handler() {

		@Override
		public void publish(LogRecord record) {
			if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
				GraceNioEndpointTomcatContractTests.this.problems.add(record);
			}
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	@TempDir
	Path baseDir;

	@BeforeEach
	void captureTomcatWarnings() {
		for (String name : TOMCAT_LOGGERS) {
			Logger logger = Logger.getLogger(name);
			logger.addHandler(this.capture);
			this.loggers.add(logger);
		}
		// the capture must see what Tomcat logs, or "nothing logged" proves nothing
		LogFactory.getLog("org.apache.tomcat.util.net.ContractProbe").warn(PROBE);
		assertThat(this.problems).extracting(LogRecord::getMessage).containsExactly(PROBE);
		this.problems.clear();
	}

	@AfterEach
	void releaseLoggers() {
		this.loggers.forEach((logger) -> logger.removeHandler(this.capture));
	}

	/**
	 * After {@code stopAccepting()} the acceptor parks, the endpoint keeps running, and a
	 * keep-alive connection already open is served once more with {@code Connection:
	 * close}: {@code Http11Processor} reads {@code getMaxKeepAliveRequests()} per request.
	 * The connection count goes back to what it was, and stopping the connector is quick
	 * and quiet.
	 */
	@Test
	void stopAcceptingServesAnOpenKeepAliveConnectionWithConnectionCloseAndStopsQuietly() throws Exception {
		try (RunningTomcat tomcat = RunningTomcat.start(this.baseDir)) {
			GraceNioEndpoint endpoint = tomcat.endpoint();
			// the acceptor counts its connection up before it waits in accept()
			awaitConnectionCount(endpoint, 1);
			try (Client keepAlive = Client.connect(tomcat.port())) {
				Response first = keepAlive.get();
				assertThat(first.status()).isEqualTo(200);
				assertThat(first.closesConnection()).as("keep-alive before stopAccepting").isFalse();
				awaitConnectionCount(endpoint, 2);

				long start = System.nanoTime();
				endpoint.stopAccepting();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("acceptor left accept()")
					.isLessThan(QUICK);

				assertThat(acceptorState(endpoint)).as("parked in serverSocketAccept()")
					.isEqualTo(AcceptorState.RUNNING);
				assertThat(endpoint.isRunning()).isTrue();
				assertThat(endpoint.isPaused()).isFalse();
				assertRefused(tomcat.port());
				Response last = keepAlive.get();
				assertThat(last.status()).isEqualTo(200);
				assertThat(last.body()).isEqualTo("ok");
				assertThat(last.closesConnection()).as("Connection: close on a connection opened before").isTrue();
				assertThat(keepAlive.read()).as("closed by the server after its response").isEqualTo(-1);
			}
			awaitConnectionCount(endpoint, 1);

			long start = System.nanoTime();
			tomcat.connector().stop();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("connector stop").isLessThan(QUICK);

			assertThat(acceptorState(endpoint)).isEqualTo(AcceptorState.ENDED);
			assertThat(endpoint.getConnectionCount()).as("every count up was counted down, the parked acceptor's too")
				.isZero();
			assertThat(this.problems).as("Tomcat warnings and errors").isEmpty();
		}
	}

	/**
	 * Spring Boot's graceful shutdown ({@code GracefulShutdown.close}): {@code
	 * connector.pause()} then {@code closeServerSocketGraceful()}. The endpoint stops
	 * accepting without pausing (a paused {@code Http11Processor} answers 503), the
	 * parked acceptor's null socket ends its loop without an error, and the rest of the
	 * stop is quick.
	 */
	@Test
	void springBootGracefulShutdownStopsAcceptingWithoutPausingTheOpenConnections() throws Exception {
		try (RunningTomcat tomcat = RunningTomcat.start(this.baseDir)) {
			GraceNioEndpoint endpoint = tomcat.endpoint();
			awaitConnectionCount(endpoint, 1);
			try (Client keepAlive = Client.connect(tomcat.port())) {
				assertThat(keepAlive.get().closesConnection()).isFalse();

				long start = System.nanoTime();
				tomcat.connector().pause();
				tomcat.connector().getProtocolHandler().closeServerSocketGraceful();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("pause and close").isLessThan(QUICK);

				assertRefused(tomcat.port());
				Response last = keepAlive.get();
				assertThat(last.status()).as("answered, not 503 as a paused endpoint would").isEqualTo(200);
				assertThat(endpoint.isPaused()).isFalse();
				assertThat(last.closesConnection()).isTrue();
				assertThat(keepAlive.read()).isEqualTo(-1);
			}
			await("acceptor ended").atMost(QUICK).until(() -> acceptorState(endpoint) == AcceptorState.ENDED);
			assertThat(endpoint.isRunning()).as("only the server socket is closed").isTrue();

			long start = System.nanoTime();
			tomcat.stop();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("Tomcat stop").isLessThan(QUICK);
			assertThat(this.problems).as("Tomcat warnings and errors").isEmpty();
		}
	}

	/**
	 * What a restarting process took before it stopped accepting is read and processed
	 * before it starts closing: a connection accepted but not read yet, and a request
	 * still in its servlet, both hold {@code awaitTakenProcessed} until answered.
	 */
	@Test
	void everythingTakenBeforeTheStopIsProcessedBeforeTheWaitEnds() throws Exception {
		GateServlet.GATE = new CountDownLatch(1);
		try (RunningTomcat tomcat = RunningTomcat.start(this.baseDir);
				Client inServlet = Client.connect(tomcat.port());
				Client unread = Client.connect(tomcat.port())) {
			GraceNioEndpoint endpoint = tomcat.endpoint();
			inServlet.send("/gate");
			awaitConnectionCount(endpoint, 3);
			endpoint.stopAccepting();
			assertThat(endpoint.awaitTakenProcessed(50)).as("bounded while something is pending").isFalse();
			CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> endpoint.awaitTakenProcessed(10_000));

			Response late = unread.get();
			assertThat(late.status()).isEqualTo(200);
			assertThat(waited).as("the request in the servlet is still pending").isNotDone();
			GateServlet.GATE.countDown();

			assertThat(inServlet.response().status()).isEqualTo(200);
			assertThat(waited.get(QUICK.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
			assertThat(this.problems).as("Tomcat warnings and errors").isEmpty();
		}
		finally {
			GateServlet.GATE.countDown();
		}
	}

	/**
	 * A request in flight when the endpoint stops accepting decided on keep-alive when it
	 * started; its response still says {@code Connection: close} and the connection
	 * closes after it: {@code Http11Processor.prepareResponse()} calls
	 * {@code useCompression(request, response)} on the committing thread before it reads
	 * the {@code Connection} header.
	 */
	@Test
	void aRequestInFlightWhenAcceptingStopsIsAnsweredWithConnectionClose() throws Exception {
		GateServlet.GATE = new CountDownLatch(1);
		try (RunningTomcat tomcat = RunningTomcat.start(this.baseDir); Client inFlight = Client.connect(tomcat.port())) {
			GraceNioEndpoint endpoint = tomcat.endpoint();
			assertThat(inFlight.get().closesConnection()).as("keep-alive before the stop").isFalse();
			inFlight.send("/gate");
			awaitConnectionCount(endpoint, 2);
			endpoint.stopAccepting();
			GateServlet.GATE.countDown();
			Response response = inFlight.response();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.closesConnection()).as("Connection: close on %s", response.headers()).isTrue();
			assertThat(inFlight.read()).as("connection closed after the response").isEqualTo(-1);
			assertThat(this.problems).as("Tomcat warnings and errors").isEmpty();
		}
		finally {
			GateServlet.GATE.countDown();
		}
	}

	/**
	 * A response of unknown length in flight when the endpoint stops accepting stays
	 * chunked with its {@code Connection: close} (trailer fields keep Tomcat from
	 * delimiting it by the close, where a cut body would look complete).
	 */
	@Test
	void aResponseOfUnknownLengthInFlightStaysChunkedWithConnectionClose() throws Exception {
		GateServlet.GATE = new CountDownLatch(1);
		try (RunningTomcat tomcat = RunningTomcat.start(this.baseDir); Client inFlight = Client.connect(tomcat.port())) {
			GraceNioEndpoint endpoint = tomcat.endpoint();
			inFlight.send("/gate?unknown-length");
			awaitConnectionCount(endpoint, 2);
			endpoint.stopAccepting();
			GateServlet.GATE.countDown();
			String head = inFlight.chunkedHead();
			assertThat(head).contains("connection: close");
			assertThat(inFlight.chunk()).isEqualTo("ok");
			assertThat(inFlight.chunk()).as("last chunk").isEmpty();
			assertThat(inFlight.read()).as("connection closed after the response").isEqualTo(-1);
			assertThat(this.problems).as("Tomcat warnings and errors").isEmpty();
		}
		finally {
			GateServlet.GATE.countDown();
		}
	}

	/**
	 * An asynchronous response under way with a stream's content type is counted among
	 * the protocol's waiting processors and ended by {@code timeoutAsync(-1)} through the
	 * application's timeout handling: the response ends with its last chunk and the
	 * connection closes ({@code Http11Processor.dispatchEndRequest()}).
	 */
	@Test
	void aStreamEndedAtTheHandoverEndsWithItsLastChunkAndClosesItsConnection() throws Exception {
		try (RunningTomcat tomcat = RunningTomcat.start(this.baseDir); Client stream = Client.connect(tomcat.port())) {
			GraceHttp11NioProtocol protocol = tomcat.protocol();
			stream.send("/stream");
			assertThat(stream.chunkedHead()).contains("content-type: text/event-stream");
			assertThat(stream.chunk()).isEqualTo("data:hello\n\n");
			await().atMost(QUICK).until(() -> protocol.streams() == 1);
			assertThat(protocol.upgradedConnections()).isZero();

			tomcat.endpoint().stopAccepting();
			assertThat(protocol.endStreams()).isEqualTo(1);
			assertThat(protocol.endStreams()).as("one timeout per request").isZero();
			assertThat(stream.chunk()).as("last chunk").isEmpty();
			assertThat(stream.read()).as("connection closed after the last chunk").isEqualTo(-1);
			await().atMost(QUICK).until(() -> protocol.streams() == 0);
			assertThat(StreamServlet.timedOut).as("the application's timeout handling ran").isTrue();
			assertThat(this.problems).as("Tomcat warnings and errors").isEmpty();
		}
	}

	/**
	 * The methods {@link GraceNioEndpoint} overrides or calls exist in Tomcat with the
	 * signatures it uses, and can be overridden.
	 */
	@Test
	void overriddenAndUsedMethodsHaveTheSignaturesWeUse() throws Exception {
		assertOverridable(NioEndpoint.class, "initServerSocket", void.class, Modifier.PROTECTED);
		assertOverridable(NioEndpoint.class, "getServerSocket", NetworkChannel.class, Modifier.PROTECTED);
		assertOverridable(NioEndpoint.class, "serverSocketAccept", SocketChannel.class, Modifier.PROTECTED);
		assertOverridable(NioEndpoint.class, "doCloseServerSocket", void.class, Modifier.PROTECTED);
		assertOverridable(NioEndpoint.class, "setSocketOptions", boolean.class, Modifier.PROTECTED,
				SocketChannel.class);
		assertOverridable(NioEndpoint.class, "destroySocket", void.class, Modifier.PROTECTED, SocketChannel.class);
		assertOverridable(NioEndpoint.class, "unlockAccept", void.class, Modifier.PROTECTED);
		assertOverridable(NioEndpoint.class, "stopInternal", void.class, Modifier.PUBLIC);
		assertOverridable(AbstractEndpoint.class, "pause", void.class, Modifier.PUBLIC);
		assertOverridable(AbstractEndpoint.class, "getMaxKeepAliveRequests", int.class, Modifier.PUBLIC);
		assertOverridable(AbstractEndpoint.class, "processSocket", boolean.class, Modifier.PUBLIC,
				org.apache.tomcat.util.net.SocketWrapperBase.class, org.apache.tomcat.util.net.SocketEvent.class,
				boolean.class);
		Field connections = AbstractEndpoint.class.getDeclaredField("connections");
		assertThat(connections.getType()).isEqualTo(java.util.Map.class);
		assertThat(Modifier.isProtected(connections.getModifiers())).isTrue();

		assertThat(method(AbstractEndpoint.class, "countDownConnection").getReturnType()).isEqualTo(long.class);
		assertThat(method(AbstractEndpoint.class, "awaitConnectionsClose", long.class).getReturnType())
			.isEqualTo(long.class);
		assertThat(method(AbstractEndpoint.class, "getConnections").getReturnType()).isEqualTo(Set.class);
		assertOverridable(org.apache.coyote.http11.AbstractHttp11Protocol.class, "useCompression", boolean.class,
				Modifier.PUBLIC, org.apache.coyote.Request.class, org.apache.coyote.Response.class);
		assertOverridable(org.apache.coyote.http11.AbstractHttp11Protocol.class, "createProcessor",
				org.apache.coyote.Processor.class, Modifier.PROTECTED);
		assertOverridable(org.apache.coyote.AbstractProtocol.class, "addWaitingProcessor", void.class, Modifier.PUBLIC,
				org.apache.coyote.Processor.class);
		assertOverridable(org.apache.coyote.AbstractProtocol.class, "removeWaitingProcessor", void.class,
				Modifier.PUBLIC, org.apache.coyote.Processor.class);
		assertOverridable(org.apache.coyote.http11.Http11Processor.class, "dispatchEndRequest",
				AbstractEndpoint.Handler.SocketState.class, Modifier.PROTECTED);
		Field acceptor = AbstractEndpoint.class.getDeclaredField("acceptor");
		assertThat(acceptor.getType()).isEqualTo(Acceptor.class);
		assertThat(Modifier.isProtected(acceptor.getModifiers())).isTrue();
	}

	/**
	 * NioEndpoint keeps its server socket in one private field; only the four methods
	 * GraceNioEndpoint overrides together may touch it, or an override would be bypassed.
	 */
	@Test
	void nioEndpointTouchesItsServerSocketOnlyInTheFourOverriddenMethods() throws Exception {
		Field serverSock = NioEndpoint.class.getDeclaredField("serverSock");
		assertThat(serverSock.getType()).isEqualTo(ServerSocketChannel.class);
		Set<String> touching = new TreeSet<>();
		for (Class<?> member : NioEndpoint.class.getNestMembers()) {
			touching.addAll(methodsUsingField(member, NioEndpoint.class, "serverSock"));
		}
		assertThat(touching).containsExactlyInAnyOrder("NioEndpoint.initServerSocket", "NioEndpoint.getServerSocket",
				"NioEndpoint.serverSocketAccept", "NioEndpoint.doCloseServerSocket");
	}

	private static void assertOverridable(Class<?> declaringClass, String name, Class<?> returnType, int access,
			Class<?>... parameters) throws NoSuchMethodException {
		Method method = method(declaringClass, name, parameters);
		assertThat(method.getReturnType()).as("%s returns", method).isEqualTo(returnType);
		assertThat(method.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED | Modifier.PRIVATE))
			.as("%s access", method)
			.isEqualTo(access);
		assertThat(Modifier.isFinal(method.getModifiers()) || Modifier.isStatic(method.getModifiers()))
			.as("%s is final or static", method)
			.isFalse();
	}

	private static Method method(Class<?> declaringClass, String name, Class<?>... parameters)
			throws NoSuchMethodException {
		try {
			return declaringClass.getDeclaredMethod(name, parameters);
		}
		catch (NoSuchMethodException ex) {
			throw new NoSuchMethodException("Tomcat's " + declaringClass.getName() + " no longer declares " + name
					+ List.of(parameters) + ": re-check the contracts in GraceNioEndpoint's Javadoc");
		}
	}

	// "Class.method" of each method of type that reads or writes owner.field, but for
	// the field initializer in a constructor.
	private static Set<String> methodsUsingField(Class<?> type, Class<?> owner, String field) throws IOException {
		String ownerName = owner.getName().replace('.', '/');
		Set<String> methods = new TreeSet<>();
		try (InputStream in = type.getClassLoader().getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
			assertThat(in).as("bytecode of %s", type).isNotNull();
			new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {

				@Override
				public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
						String[] exceptions) {
					return new MethodVisitor(Opcodes.ASM9) {

						@Override
						public void visitFieldInsn(int opcode, String fieldOwner, String fieldName, String fieldDescriptor) {
							boolean initializer = name.equals("<init>") && opcode == Opcodes.PUTFIELD;
							if (fieldOwner.equals(ownerName) && fieldName.equals(field) && !initializer) {
								methods.add(type.getSimpleName() + "." + name);
							}
						}

					};
				}

			}, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
		}
		return methods;
	}

	private static void awaitConnectionCount(GraceNioEndpoint endpoint, long expected) {
		await("connection count " + expected).atMost(QUICK)
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(5))
			.until(endpoint::getConnectionCount, (count) -> count == expected);
	}

	private static AcceptorState acceptorState(GraceNioEndpoint endpoint) throws ReflectiveOperationException {
		Field field = AbstractEndpoint.class.getDeclaredField("acceptor");
		field.setAccessible(true);
		return ((Acceptor<?>) field.get(endpoint)).getState();
	}

	private static void assertRefused(int port) {
		assertThatExceptionOfType(ConnectException.class).as("a new connection to port %d", port)
			.isThrownBy(() -> Client.connect(port).close());
	}

	/** An embedded Tomcat on 127.0.0.1 with one Grace connector and one servlet. */
	private record RunningTomcat(Tomcat tomcat, Connector connector, int port) implements AutoCloseable {

		static RunningTomcat start(Path baseDir) throws Exception {
			Tomcat tomcat = new Tomcat();
			tomcat.setBaseDir(baseDir.toString());
			Connector connector = new Connector(GraceHttp11NioProtocol.class.getName());
			connector.setPort(0);
			connector.setProperty("address", "127.0.0.1");
			// as Spring Boot's TomcatWebServer does: bound on start, so that
			// closeServerSocketGraceful() acts (it does nothing to a socket bound on init)
			connector.setProperty("bindOnInit", "false");
			tomcat.setConnector(connector);
			Context context = tomcat.addContext("", baseDir.toString());
			Tomcat.addServlet(context, "ok", new OkServlet());
			context.addServletMappingDecoded("/", "ok");
			Tomcat.addServlet(context, "gate", new GateServlet());
			context.addServletMappingDecoded("/gate", "gate");
			Tomcat.addServlet(context, "stream", new StreamServlet()).setAsyncSupported(true);
			context.addServletMappingDecoded("/stream", "stream");
			try {
				tomcat.start();
				// read now: once the server socket is closed the connector reports -1
				int port = connector.getLocalPort();
				assertThat(port).as("bound port").isPositive();
				return new RunningTomcat(tomcat, connector, port);
			}
			catch (Exception | AssertionError ex) {
				try {
					tomcat.stop();
				}
				finally {
					tomcat.destroy();
				}
				throw ex;
			}
		}

		GraceNioEndpoint endpoint() {
			return protocol().getGraceEndpoint();
		}

		GraceHttp11NioProtocol protocol() {
			return (GraceHttp11NioProtocol) this.connector.getProtocolHandler();
		}

		void stop() throws Exception {
			this.tomcat.stop();
		}

		@Override
		public void close() throws Exception {
			try {
				this.tomcat.stop();
			}
			finally {
				this.tomcat.destroy();
			}
		}

	}

	/** Answers once the test opens {@link #GATE}. */
	static class GateServlet extends OkServlet {

		static volatile CountDownLatch GATE = new CountDownLatch(0);

		@Override
		protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
			try {
				GATE.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			if (request.getParameter("unknown-length") != null) {
				response.setContentType("text/plain");
				response.flushBuffer(); // commits before any length is known
				response.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
				return;
			}
			super.doGet(request, response);
		}

	}

	/**
	 * A server-sent event stream that never ends by itself: one event, then open until
	 * its asynchronous timeout, which completes it as Spring MVC does for an emitter.
	 */
	static class StreamServlet extends HttpServlet {

		static volatile boolean timedOut;

		@Override
		protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
			timedOut = false;
			response.setContentType("text/event-stream");
			AsyncContext async = request.startAsync();
			async.setTimeout(0);
			async.addListener(new AsyncListener() {

				@Override
				public void onTimeout(AsyncEvent event) {
					timedOut = true;
					event.getAsyncContext().complete();
				}

				@Override
				public void onComplete(AsyncEvent event) {
				}

				@Override
				public void onError(AsyncEvent event) {
				}

				@Override
				public void onStartAsync(AsyncEvent event) {
				}

			});
			response.getOutputStream().write("data:hello\n\n".getBytes(StandardCharsets.UTF_8));
			response.flushBuffer();
		}

	}

	static class OkServlet extends HttpServlet {

		@Override
		protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
			byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
			response.setContentType("text/plain");
			response.setContentLength(body.length);
			response.getOutputStream().write(body);
		}

	}

	/** HTTP/1.1 on one plain socket: keep-alive unless the server says otherwise. */
	private static final class Client implements AutoCloseable {

		private final Socket socket;

		private final InputStream in;

		private final OutputStream out;

		private Client(Socket socket) throws IOException {
			this.socket = socket;
			this.in = socket.getInputStream();
			this.out = socket.getOutputStream();
		}

		static Client connect(int port) throws IOException {
			Socket socket = new Socket();
			try {
				socket.setSoTimeout(5_000);
				socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
				return new Client(socket);
			}
			catch (IOException ex) {
				socket.close();
				throw ex;
			}
		}

		Response get() throws IOException {
			send("/");
			return response();
		}

		void send(String path) throws IOException {
			this.out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			this.out.flush();
		}

		Response response() throws IOException {
			String statusLine = readLine();
			Map<String, String> headers = new LinkedHashMap<>();
			for (String line = readLine(); !line.isEmpty(); line = readLine()) {
				int colon = line.indexOf(':');
				headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
			}
			byte[] body = this.in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
			return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers,
					new String(body, StandardCharsets.US_ASCII));
		}

		int read() throws IOException {
			return this.in.read();
		}

		/** The status line and headers of a chunked response, lower case. */
		String chunkedHead() throws IOException {
			StringBuilder head = new StringBuilder();
			for (String line = readLine(); !line.isEmpty(); line = readLine()) {
				head.append(line.toLowerCase(Locale.ROOT)).append('\n');
			}
			assertThat(head).contains("transfer-encoding: chunked");
			return head.toString();
		}

		/** One chunk's data; empty for the last chunk, whose trailer is read too. */
		String chunk() throws IOException {
			int size = Integer.parseInt(readLine().trim(), 16);
			byte[] data = this.in.readNBytes(size);
			assertThat(readLine()).as("end of chunk").isEmpty();
			return new String(data, StandardCharsets.UTF_8);
		}

		private String readLine() throws IOException {
			ByteArrayOutputStream line = new ByteArrayOutputStream();
			for (int b = this.in.read(); b != '\n'; b = this.in.read()) {
				if (b < 0) {
					throw new IOException("EOF before a complete response");
				}
				if (b != '\r') {
					line.write(b);
				}
			}
			return line.toString(StandardCharsets.US_ASCII);
		}

		@Override
		public void close() throws IOException {
			this.socket.close();
		}

	}

	private record Response(int status, Map<String, String> headers, String body) {

		boolean closesConnection() {
			return "close".equalsIgnoreCase(this.headers.get("connection"));
		}

	}

}
