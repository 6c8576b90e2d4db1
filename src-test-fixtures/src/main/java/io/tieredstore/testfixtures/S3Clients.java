package io.tieredstore.testfixtures;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * S3 clients for the test endpoint: path style, dummy credentials, us-east-1, and an explicit retry
 * strategy (4 attempts, short jittered backoff, no retry-token circuit breaker) so that fault tests are fast
 * and their retry counts are known.
 */
public final class S3Clients {
    /** Attempts per call, the first included, of {@link #retryStrategy()}. */
    public static final int MAX_ATTEMPTS = 4;

    private static final AwsBasicCredentials CREDENTIALS = AwsBasicCredentials.create("test-access-key", "test-secret");

    private S3Clients() {}

    /** A synchronous client builder for {@code endpoint}, ready to build or to adjust. */
    public static S3ClientBuilder syncBuilder(URI endpoint) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(CREDENTIALS))
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(64)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.retryStrategy(retryStrategy()));
    }

    /** A synchronous client for {@code endpoint}. */
    public static S3Client sync(URI endpoint) {
        return syncBuilder(endpoint).build();
    }

    /** An asynchronous (netty) client builder for {@code endpoint}. */
    public static S3AsyncClientBuilder asyncBuilder(URI endpoint) {
        return S3AsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(CREDENTIALS))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(64)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .readTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.retryStrategy(retryStrategy()));
    }

    /** An asynchronous (netty) client for {@code endpoint}. */
    public static S3AsyncClient async(URI endpoint) {
        return asyncBuilder(endpoint).build();
    }

    /** The retry strategy of every fixture client. */
    public static RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(MAX_ATTEMPTS)
                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(5), Duration.ofMillis(100)))
                .throttlingBackoffStrategy(
                        BackoffStrategy.exponentialDelay(Duration.ofMillis(10), Duration.ofMillis(200)))
                .circuitBreakerEnabled(false)
                .build();
    }
}
