package io.stockade.testkit.oci;

/** The OCI media types of the documents and blobs an image layout built here contains. */
final class MediaTypes {
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

    private MediaTypes() {
    }
}
