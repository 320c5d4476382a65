package dev.grace.boot.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds back accepting on inherited sockets until the application is ready to take
 * traffic. Until then the previous process keeps accepting from the same queue, so no
 * request reaches an application that is still starting, and one that fails to start
 * has taken nothing with it.
 */
public final class AcceptGate {

	private final CountDownLatch open;

	private AcceptGate(boolean open) {
		this.open = new CountDownLatch(open ? 0 : 1);
	}

	/**
	 * A gate that waits for {@link #open()}.
	 * @return a closed gate
	 */
	public static AcceptGate closed() {
		return new AcceptGate(false);
	}

	/**
	 * A gate that never holds anything back.
	 * @return an open gate
	 */
	public static AcceptGate opened() {
		return new AcceptGate(true);
	}

	public void open() {
		this.open.countDown();
	}

	/**
	 * Waits a little for the gate to open.
	 * @param millis how long
	 * @return whether it is open
	 * @throws InterruptedException if interrupted
	 */
	public boolean await(long millis) throws InterruptedException {
		return this.open.await(millis, TimeUnit.MILLISECONDS);
	}

}
