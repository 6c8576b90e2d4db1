package io.tieredstore.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The test's side of one {@link PeerNode} child JVM: starts it with this JVM's java binary and class path, sends
 * it commands and waits, each time within a deadline, for its answers. Its stderr goes to a log file, whose tail
 * {@link #tail} gives for failure messages. {@link #close} asks it to exit and kills it if it does not.
 *
 * <p>One thread reads the child's stdout: {@code read} answers complete the future of their range, the other
 * answers go to a queue that the (one at a time) control commands take from. When stdout ends (the child died)
 * every pending read fails.
 */
final class PeerNodeProcess implements AutoCloseable {
    /** The longest a child may take to start (JVM, gRPC, the AWS SDK, on 2 busy cores). */
    static final Duration START = Duration.ofSeconds(60);
    /** The longest a control command may take to be answered. */
    static final Duration ANSWER = Duration.ofSeconds(20);

    /** What a child answered to a read: the bytes' SHA-256, or an error. */
    record ReadAnswer(@Nullable String sha256, @Nullable String error) {}

    final String id;
    private final Process process;
    private final Path log;
    private final Writer stdin;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Map<String, CompletableFuture<ReadAnswer>> reads = new ConcurrentHashMap<>();
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    private PeerNodeProcess(String id, Process process, Path log) {
        this.id = id;
        this.process = process;
        this.log = log;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readStdout, "peer-node-stdout-" + id);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code PeerNode id=<id> args...}, its stderr to {@code log}; does not wait for it. */
    static PeerNodeProcess start(String id, Path log, List<String> args) throws IOException {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(
                List.of(java, "-cp", System.getProperty("java.class.path"), PeerNode.class.getName(), "id=" + id));
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new PeerNodeProcess(id, p, log);
    }

    private void readStdout() {
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("port ")) {
                    port.complete(Integer.parseInt(line.substring(5).trim()));
                } else if (line.startsWith("read ")) {
                    String[] w = line.split(" ", 6); // read KEY OFFSET LENGTH ok|error REST
                    CompletableFuture<ReadAnswer> f = reads.remove(w[1] + ' ' + w[2] + ' ' + w[3]);
                    if (f != null) {
                        f.complete(
                                w[4].equals("ok")
                                        ? new ReadAnswer(w[5].split(" ", -1)[0], null)
                                        : new ReadAnswer(null, w[5]));
                    }
                } else {
                    answers.add(line);
                }
            }
        } catch (IOException e) {
            // the child died: handled below, as an end of stdout
        } finally {
            ended = true;
            IllegalStateException gone = new IllegalStateException("child " + id + " ended");
            port.completeExceptionally(gone);
            reads.values().forEach(f -> f.completeExceptionally(gone));
            answers.add("ended");
        }
    }

    /** Its peer port, once it listens. */
    int port() throws InterruptedException, ExecutionException, TimeoutException {
        return port.get(START.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends {@code read key offset length}; the answer completes the future (exceptionally if the child dies). */
    CompletableFuture<ReadAnswer> read(String key, long offset, int length) {
        String range = key + ' ' + offset + ' ' + length;
        CompletableFuture<ReadAnswer> f = new CompletableFuture<>();
        if (reads.putIfAbsent(range, f) != null) {
            throw new IllegalStateException("a read of " + range + " is in flight already");
        }
        try {
            send("read " + range);
        } catch (IOException e) {
            reads.remove(range);
            f.completeExceptionally(e);
        }
        if (ended) {
            reads.remove(range);
            f.completeExceptionally(new IllegalStateException("child " + id + " ended"));
        }
        return f;
    }

    /** Sets its membership ({@code id=host:port,...}); returns its new epoch. */
    synchronized long members(String spec) throws IOException, InterruptedException {
        return Long.parseLong(control("members " + spec, "members "));
    }

    /** Its peer tier's stats now. */
    synchronized PeerStats stats() throws IOException, InterruptedException {
        return PeerNode.parseStats(control("stats", "stats "));
    }

    private String control(String command, String prefix) throws IOException, InterruptedException {
        send(command);
        String answer = answers.poll(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null || !answer.startsWith(prefix)) {
            throw new IllegalStateException(
                    "child " + id + " answered " + answer + " to " + command + "; its log:\n" + tail(30));
        }
        return answer.substring(prefix.length());
    }

    private void send(String line) throws IOException {
        synchronized (stdin) {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        }
    }

    /** SIGKILL (on Linux: {@link Process#destroyForcibly}); waits until it is dead. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child " + id + " survived SIGKILL for 10 s");
        }
    }

    /** Closes its stdin, as this JVM's death would. */
    void closeStdin() throws IOException {
        synchronized (stdin) {
            stdin.close();
        }
    }

    /** Waits at most {@code bound} for it to end; its exit status. */
    int awaitExit(Duration bound) throws InterruptedException {
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("child " + id + " still runs after " + bound);
        }
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The last {@code lines} lines of its stderr. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "--- " + log + " ---\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + log + ": " + e + ")";
        }
    }

    /** Asks it to exit; kills it if it has not within a few seconds. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    send("exit");
                    process.getOutputStream().close(); // the end of stdin is an exit too
                } catch (IOException e) {
                    // it is dying already
                }
                if (!process.waitFor(8, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
