package dev.grace.boot.internal;

/**
 * The connections of this process that would outlive any request: WebSocket sessions,
 * responses that stream without end (server-sent events), HTTP/2 connections. Left
 * alone, they would hold a process that was replaced until its drain timeout; ended,
 * their clients reconnect, to the new process.
 */
public interface LongLivedConnections {

	/** For a process without any. */
	LongLivedConnections NONE = new LongLivedConnections() {

		@Override
		public void end() {
		}

		@Override
		public String toString() {
			return "none";
		}

	};

	/**
	 * Ends them, once this process handed over and stopped accepting, and the application
	 * was told ({@code RestartEvent} DRAINING). The application may say goodbye to its
	 * clients itself meanwhile: this waits a short notice while any is open, then ends
	 * what is left (WebSocket close 1001 Going Away, a well-formed end of each stream),
	 * and goes on ending any opened later, until the process exits. Returns once the
	 * notice is over, without waiting for the connections to close.
	 */
	void end();

}
