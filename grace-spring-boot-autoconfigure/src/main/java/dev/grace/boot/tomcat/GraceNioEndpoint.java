package dev.grace.boot.tomcat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.coyote.AbstractProcessor;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

import dev.grace.boot.internal.AcceptGate;
import dev.grace.boot.internal.posix.InheritedSockets;
import dev.grace.boot.internal.posix.InheritedSockets.Claimed;
import dev.grace.boot.internal.posix.ServingListeners;

/**
 * A {@link NioEndpoint} that can take its server socket from the previous process and
 * stop accepting without losing a connection on a socket another process shares.
 * <p>
 * Tomcat's own pause loses requests on a shared socket: a paused acceptor destroys what
 * it accepts, the self-connect that unlocks {@code accept()} may be taken by the other
 * process, and a paused processor answers a keep-alive request with 503 or closes it
 * unanswered. Here stopping to accept is: close this process's descriptor of the socket
 * (never {@code shutdown()}, which would act on the socket both processes share), let
 * the acceptor leave {@code accept()}, and keep serving every connection already open,
 * with keep-alive off so each one closes after its next response.
 * <p>
 * The four protected methods that touch the server socket are overridden together, as
 * {@link NioEndpoint} documents for custom server sockets.
 * <p>
 * What this relies on in Tomcat 11.0.22 (Spring Boot 4.0.7), checked by
 * {@code GraceNioEndpointTomcatContractTests}:
 * <ul>
 * <li><b>Server socket.</b> {@link NioEndpoint} touches its server socket (the private
 * {@code serverSock}) only in {@code initServerSocket()}, {@code getServerSocket()},
 * {@code serverSocketAccept()} and {@code doCloseServerSocket()}; the rest of Tomcat goes
 * through {@code getServerSocket()} ({@code getLocalPort()}, {@code unlockAccept()}).</li>
 * <li><b>Acceptor.</b> {@code Acceptor.run()} counts a connection up before
 * {@code serverSocketAccept()} and hands what it returns, null included, to
 * {@code setSocketOptions()}, or to {@code destroySocket()} once it was told to stop: both
 * count a null back down here. When {@code serverSocketAccept()} throws after the endpoint
 * stopped running, it counts down and ends without logging: that is how the parked
 * acceptor leaves. The protected {@code acceptor} field says whether one was started.</li>
 * <li><b>Keep-alive.</b> {@code Http11Processor.service()} reads
 * {@code getMaxKeepAliveRequests()} for every request and closes the connection after the
 * response when it is 1, so overriding it turns keep-alive off on connections already
 * open. It answers 503 while the endpoint {@code isPaused()}, so {@link #pause()} never
 * pauses it.</li>
 * <li><b>Lifecycle.</b> Spring Boot binds on start ({@code bindOnInit=false}, without which
 * {@code closeServerSocketGraceful()} does nothing). Its graceful shutdown calls
 * {@code connector.pause()}, which reaches {@link #pause()}, then
 * {@code closeServerSocketGraceful()}: stop the acceptor, {@link #unlockAccept()},
 * {@link #doCloseServerSocket()}. Tomcat calls {@code doCloseServerSocket()} only after
 * the acceptor was told to stop or the endpoint stopped, so a released acceptor never
 * loops. {@code stop()} runs {@link #stopInternal()}, whose {@code NioEndpoint} part calls
 * {@code pause()}, sets {@code running} false and waits 100 ms + 2 &times;
 * {@code unlockTimeout} for the acceptor, which checks {@code isRunning()} every 50 ms
 * here.</li>
 * <li><b>Drain.</b> {@code getConnections()} holds every open connection and
 * {@code awaitConnectionsClose(long)} waits for it to empty; the poller reads each
 * connection's {@code getReadTimeout()} on every timeout pass, so shortening it closes
 * idle keep-alive connections.</li>
 * <li><b>Dispatch.</b> The poller hands every event of a connection to
 * {@code processSocket(wrapper, event, true)}; with {@code dispatch=false} it runs the
 * socket processor on the calling thread. {@code connections} (protected) maps each
 * accepted {@code SocketChannel} to its wrapper from {@code setSocketOptions()} until it
 * closes. Together they tell when everything taken before a restart has been read and
 * processed.</li>
 * </ul>
 */
public class GraceNioEndpoint extends NioEndpoint {

	private static final Log log = LogFactory.getLog(GraceNioEndpoint.class);

	private static final long ACCEPTOR_EXIT_WAIT_MILLIS = 5_000;

	// Once no request is active, what stays open is idle keep-alive connections: the
	// poller closes those idle this long, as it would at any keep-alive timeout. A
	// connection between requests (no processor) gets the short one, so that a process
	// with nothing in flight leaves at once; one with a request still reading its body
	// keeps the longer one.
	private static final long DRAIN_IDLE_MILLIS = 1_000;

	private static final long DRAIN_BETWEEN_REQUESTS_MILLIS = 100;

	// The poller checks read timeouts each time its select returns, by default every
	// second: while draining, it looks this often.
	private static final long DRAIN_POLL_MILLIS = 25;

	private volatile ServerSocketChannel serverSocket;

	private volatile String listenerName;

	private volatile InheritedSockets inherited = InheritedSockets.none();

	private volatile ServingListeners serving;

	private volatile Duration drainTimeout = Duration.ofSeconds(30);

	private volatile AcceptGate inheritedGate = AcceptGate.opened();

	private volatile AcceptGate gate = AcceptGate.opened();

	// Tomcat's own server socket code is used for what this class does not handle
	// (inherited channel on fd 0, Unix domain sockets).
	private volatile boolean delegate;

	private volatile boolean acceptingStopped;

	private volatile boolean drainRequested;

	private volatile CountDownLatch acceptorParked = new CountDownLatch(1);

	private volatile CountDownLatch acceptorRelease = new CountDownLatch(1);

	// connections accepted and not yet dispatched to a worker
	private final Set<SocketChannel> unread = ConcurrentHashMap.newKeySet();

	// dispatches running on a worker
	private final AtomicInteger processing = new AtomicInteger();

	// how long asynchronous requests taken before a stop may take to be answered first
	private static final long ASYNC_ANSWER_MILLIS = 500;

	/**
	 * Makes this endpoint take part in restarts.
	 * @param name the listener name given to the next process
	 * @param serving where to record the socket this endpoint accepts on, with the
	 * sockets this process inherited
	 * @param drainTimeout how long a drain waits for open connections to finish
	 */
	public void attach(String name, ServingListeners serving, Duration drainTimeout) {
		this.listenerName = name;
		this.inherited = serving.inherited();
		this.serving = serving;
		this.drainTimeout = drainTimeout;
		this.inheritedGate = serving.inheritedGate();
	}

	@Override
	protected void initServerSocket() throws Exception {
		this.delegate = getUseInheritedChannel() || getUnixDomainSocketPath() != null;
		if (this.delegate) {
			super.initServerSocket();
			return;
		}
		this.acceptingStopped = false;
		this.drainRequested = false;
		this.acceptorParked = new CountDownLatch(1);
		this.acceptorRelease = new CountDownLatch(1);
		Claimed claimed = (this.listenerName != null)
				? this.inherited.claim(this.listenerName, getAddress(), getPortWithOffset()) : null;
		ServerSocketChannel channel;
		if (claimed != null) {
			channel = claimed.channel();
			this.gate = this.inheritedGate;
			log.info("Adopted inherited socket " + claimed.socket() + " for listener '" + this.listenerName + "'");
		}
		else {
			this.gate = AcceptGate.opened();
			channel = ServerSocketChannel.open();
			getSocketProperties().setProperties(channel.socket());
			channel.bind(new InetSocketAddress(getAddress(), getPortWithOffset()), getAcceptCount());
		}
		channel.configureBlocking(true);
		this.serverSocket = channel;
		if (this.listenerName == null) {
			log.warn("Connector on port " + getPortWithOffset() + " is not attached to graceful restart: "
					+ "its socket will not be handed to a restarted process");
		}
		if (this.serving != null && this.listenerName != null) {
			this.serving.register(this.listenerName, channel, this::handOver, this::awaitTakenProcessed);
		}
	}

	@Override
	protected NetworkChannel getServerSocket() {
		return this.delegate ? super.getServerSocket() : this.serverSocket;
	}

	@Override
	protected SocketChannel serverSocketAccept() throws Exception {
		if (this.delegate) {
			return super.serverSocketAccept();
		}
		while (!this.acceptingStopped && isRunning() && !this.gate.await(50)) {
			// the application is not ready: the other process accepts meanwhile
		}
		if (!this.acceptingStopped && isRunning()) {
			try {
				return this.serverSocket.accept();
			}
			catch (ClosedChannelException ex) {
				if (!this.acceptingStopped) {
					throw ex;
				}
			}
		}
		return parkAcceptor();
	}

	// The acceptor stays here until Tomcat asks it to stop: a null socket then ends its
	// loop without Tomcat logging an accept failure.
	private SocketChannel parkAcceptor() throws ClosedChannelException {
		this.acceptorParked.countDown();
		try {
			while (isRunning() && !this.acceptorRelease.await(50, TimeUnit.MILLISECONDS)) {
				// waiting for stop
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (!isRunning()) {
			throw new ClosedChannelException();
		}
		return null;
	}

	@Override
	protected boolean setSocketOptions(SocketChannel socket) {
		if (socket == null) {
			countDownConnection();
			return true;
		}
		// before the poller can see it: it may dispatch the connection at once
		this.unread.add(socket);
		boolean registered = super.setSocketOptions(socket);
		if (!registered) {
			this.unread.remove(socket);
		}
		return registered;
	}

	// Every dispatch to a worker goes through here; running it inline on our own task
	// (dispatch=false runs the socket processor on the calling thread) counts it until done.
	@Override
	public boolean processSocket(SocketWrapperBase<NioChannel> wrapper, SocketEvent event, boolean dispatch) {
		if (wrapper != null && wrapper.getSocket() != null) {
			this.unread.remove(wrapper.getSocket().getIOChannel());
		}
		Executor executor = getExecutor();
		if (this.delegate || !dispatch || executor == null || wrapper == null) {
			return super.processSocket(wrapper, event, dispatch);
		}
		this.processing.incrementAndGet();
		try {
			executor.execute(() -> {
				try {
					processInline(wrapper, event);
				}
				finally {
					this.processing.decrementAndGet();
				}
			});
			return true;
		}
		catch (RejectedExecutionException ex) {
			this.processing.decrementAndGet();
			log.warn("Listener '" + this.listenerName + "': cannot process " + wrapper + " now", ex);
			return false;
		}
	}

	private void processInline(SocketWrapperBase<NioChannel> wrapper, SocketEvent event) {
		super.processSocket(wrapper, event, false);
	}

	/**
	 * Waits until every connection this endpoint took has had its request read and
	 * processed, or {@code timeout} passes. The application only starts closing (which
	 * turns its readiness to refusing traffic) after this, so that a request that reached
	 * this process before it stopped accepting is answered as it would have been then.
	 * @param timeoutMillis how long to wait at most
	 * @return whether everything taken was processed in time
	 */
	public boolean awaitTakenProcessed(long timeoutMillis) {
		long start = System.nanoTime();
		long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		long asyncDeadline = start + TimeUnit.MILLISECONDS.toNanos(Math.min(ASYNC_ANSWER_MILLIS, timeoutMillis));
		while (true) {
			// closed before any event: nothing left to answer
			this.unread.removeIf((socket) -> !this.connections.containsKey(socket));
			boolean asyncOpen = System.nanoTime() < asyncDeadline && hasAsyncInProgress();
			if (this.unread.isEmpty() && this.processing.get() == 0 && !asyncOpen) {
				return true;
			}
			if (System.nanoTime() > deadline) {
				log.info("Listener '" + this.listenerName + "': " + this.unread.size() + " connection(s) unread and "
						+ this.processing.get() + " being processed after " + timeoutMillis + " ms; closing anyway");
				return false;
			}
			try {
				Thread.sleep(5);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
	}

	// An asynchronous request (WebFlux, an async servlet) keeps its processor on the
	// connection between dispatches; one that answers soon is answered as before the
	// stop, a long poll is left to the drain. A response already under way (a stream)
	// and an upgraded connection (WebSocket, HTTP/2) have nothing left to answer.
	private boolean hasAsyncInProgress() {
		for (SocketWrapperBase<NioChannel> connection : this.connections.values()) {
			if (connection.getCurrentProcessor() instanceof AbstractProcessor processor && processor.isAsync()
					&& !processor.getRequest().getResponse().isCommitted()) {
				return true;
			}
		}
		return false;
	}

	@Override
	protected void destroySocket(SocketChannel socket) {
		if (socket == null) {
			countDownConnection();
			return;
		}
		super.destroySocket(socket);
	}

	/**
	 * Spring Boot's graceful shutdown starts here: stop accepting, but do not pause, so
	 * requests already on their way are answered (with {@code Connection: close}).
	 */
	@Override
	public void pause() {
		if (this.delegate || this.serverSocket == null) {
			super.pause();
			return;
		}
		handOver();
	}

	@Override
	protected void unlockAccept() {
		if (this.delegate) {
			super.unlockAccept();
			return;
		}
		stopAccepting();
	}

	@Override
	public int getMaxKeepAliveRequests() {
		return this.acceptingStopped ? 1 : super.getMaxKeepAliveRequests();
	}

	@Override
	public void stopInternal() {
		// Spring Boot's graceful shutdown has closed the server socket by now
		// (closeServerSocketGraceful): the drain is about the connections
		if (!this.delegate) {
			stopAccepting();
			if (this.drainRequested) {
				shortenIdleTimeouts();
				long left = awaitConnectionsClose(this.drainTimeout.toMillis());
				if (left <= 0 && !getConnections().isEmpty()) {
					log.warn("Listener '" + this.listenerName + "': " + getConnections().size()
							+ " connection(s) still open after " + this.drainTimeout + " (grace.drain-timeout); closing");
				}
			}
		}
		// the parked acceptor sees the endpoint stop running and leaves quietly
		super.stopInternal();
	}

	// Read timeouts are checked by the poller on its own thread only when no data came:
	// a request that arrives on an idle connection meanwhile is still answered.
	private void shortenIdleTimeouts() {
		if (!getConnections().isEmpty()) {
			setSelectorTimeout(DRAIN_POLL_MILLIS);
			getSocketProperties().setTimeoutInterval(DRAIN_POLL_MILLIS);
		}
		for (SocketWrapperBase<NioChannel> connection : getConnections()) {
			long idle = (connection.getCurrentProcessor() == null) ? DRAIN_BETWEEN_REQUESTS_MILLIS : DRAIN_IDLE_MILLIS;
			long timeout = connection.getReadTimeout();
			if (timeout <= 0 || timeout > idle) {
				connection.setReadTimeout(idle);
			}
		}
		Poller poller = getPoller();
		if (poller != null) {
			poller.getSelector().wakeup();
		}
	}

	@Override
	protected void doCloseServerSocket() throws IOException {
		if (this.delegate) {
			super.doCloseServerSocket();
			return;
		}
		this.acceptorRelease.countDown();
		ServerSocketChannel channel = this.serverSocket;
		if (channel != null) {
			closeChannel(channel);
			this.serverSocket = null;
		}
	}

	// A restart drains whatever the shutdown mode: the connections left here are the
	// ones a client is using, the next process serves everything new.
	private void handOver() {
		this.drainRequested = true;
		stopAccepting();
		goAway();
	}

	// HTTP/2 connections get their GOAWAY (the client opens a new connection, to the new
	// process, for its next stream); the other processors ignore a pause.
	private void goAway() {
		Handler<NioChannel> handler = getHandler();
		if (handler != null) {
			handler.pause();
		}
	}

	/**
	 * Whether this endpoint stopped accepting: from then on every response closes its
	 * connection.
	 * @return true once {@link #stopAccepting()} ran
	 */
	public boolean isAcceptingStopped() {
		return this.acceptingStopped;
	}

	private void awaitTakenProcessed() {
		awaitTakenProcessed(this.drainTimeout.toMillis());
	}

	/**
	 * Stops accepting new connections, keeping those already open; returns once the
	 * acceptor has left {@code accept()}.
	 */
	public synchronized void stopAccepting() {
		if (this.acceptingStopped) {
			return;
		}
		ServerSocketChannel channel = this.serverSocket;
		if (channel == null) {
			return;
		}
		this.acceptingStopped = true;
		// Closing wakes the acceptor out of accept(); a connection it took just before
		// is still served, because the acceptor has not been told to stop yet.
		closeChannel(channel);
		try {
			if (isRunning() && this.acceptor != null
					&& !this.acceptorParked.await(ACCEPTOR_EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
				log.warn("Listener '" + this.listenerName + "': acceptor did not leave accept() in "
						+ ACCEPTOR_EXIT_WAIT_MILLIS + " ms");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void closeChannel(ServerSocketChannel channel) {
		if (this.serving != null) {
			this.serving.unregister(channel);
		}
		try {
			channel.close();
		}
		catch (IOException ex) {
			log.warn("Listener '" + this.listenerName + "': closing the server socket failed", ex);
		}
	}

}
