package io.stockade.testkit.l1;

import io.stockade.testkit.l1.L1TestCase.Status;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the legacy JUnit XML reports ({@code TEST-<engine>.xml}) the console launcher writes inside L1. The files
 * come from a guest, so the parser refuses DTDs and external entities, and a malformed file is an error naming it.
 */
final class JUnitXmlReport {
    private JUnitXmlReport() {}

    /** Every test case in the {@code TEST-*.xml} files of {@code reportsDir}, in file and document order. */
    static List<L1TestCase> readAll(Path reportsDir) throws IOException {
        if (!Files.isDirectory(reportsDir)) {
            return List.of();
        }
        List<Path> reports;
        try (Stream<Path> files = Files.list(reportsDir)) {
            reports = files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
        }
        List<L1TestCase> cases = new ArrayList<>();
        for (Path report : reports) {
            try (InputStream in = Files.newInputStream(report)) {
                cases.addAll(parse(in, report.toString()));
            }
        }
        return cases;
    }

    static List<L1TestCase> parse(InputStream xml, String source) throws IOException {
        Document document;
        try {
            document = newBuilder().parse(xml, source);
        } catch (SAXException e) {
            throw new IOException("malformed JUnit XML report " + source + ": " + e.getMessage(), e);
        }
        NodeList testcases = document.getElementsByTagName("testcase");
        List<L1TestCase> cases = new ArrayList<>(testcases.getLength());
        for (int i = 0; i < testcases.getLength(); i++) {
            cases.add(testCase((Element) testcases.item(i), source));
        }
        return cases;
    }

    private static L1TestCase testCase(Element testcase, String source) throws IOException {
        String className = testcase.getAttribute("classname");
        String name = testcase.getAttribute("name");
        if (className.isEmpty() || name.isEmpty()) {
            throw new IOException("JUnit XML report " + source + " has a <testcase> without classname or name");
        }
        for (Node child = testcase.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (!(child instanceof Element outcome)) {
                continue;
            }
            switch (outcome.getTagName()) {
                case "failure", "error" -> {
                    return new L1TestCase(className, name, Status.FAILED, outcome.getAttribute("message"),
                            outcome.getTextContent().strip());
                }
                case "skipped" -> {
                    String reason = outcome.hasAttribute("message") ? outcome.getAttribute("message")
                            : outcome.getTextContent().strip();
                    return new L1TestCase(className, name, Status.SKIPPED, reason, "");
                }
                default -> { } // system-out, system-err, properties
            }
        }
        return new L1TestCase(className, name, Status.PASSED, "", "");
    }

    private static DocumentBuilder newBuilder() throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IOException("no secure XML parser available", e);
        }
    }
}
