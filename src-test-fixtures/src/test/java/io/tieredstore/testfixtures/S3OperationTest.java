package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class S3OperationTest {
    @ParameterizedTest
    @CsvSource({
        "GET,    /b/k,                          false, false, GET",
        "GET,    /b/dir/k.parquet,              true,  false, RANGED_GET",
        "GET,    /b/k?versionId=3,              false, false, GET",
        "HEAD,   /b/k,                          false, false, HEAD",
        "HEAD,   /b,                            false, false, BUCKET",
        "PUT,    /b/k,                          false, false, PUT",
        "PUT,    /b/k,                          false, true,  COPY",
        "PUT,    /b,                            false, false, BUCKET",
        "PUT,    /b/k?partNumber=1&uploadId=u,  false, false, MULTIPART",
        "POST,   /b/k?uploads,                  false, false, MULTIPART",
        "POST,   /b/k?uploadId=u,               false, false, MULTIPART",
        "DELETE, /b/k?uploadId=u,               false, false, MULTIPART",
        "GET,    /b/k?uploadId=u,               false, false, LIST",
        "GET,    /b?list-type=2&prefix=a,       false, false, LIST",
        "GET,    /b/,                           false, false, LIST",
        "GET,    /b?versions,                   false, false, LIST",
        "GET,    /b?uploads,                    false, false, LIST",
        "GET,    /b?location,                   false, false, BUCKET",
        "POST,   /b?delete,                     false, false, DELETE",
        "DELETE, /b/k,                          false, false, DELETE",
        "DELETE, /b,                            false, false, BUCKET",
        "OPTIONS,/b/k,                          false, false, OTHER",
    })
    void classify(String method, String uri, boolean range, boolean copy, S3Operation expected) {
        assertEquals(expected, S3Operation.classify(method, uri, range, copy));
    }
}
