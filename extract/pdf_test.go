package extract

import (
	"bytes"
	"fmt"
	"strings"
)

// tinyPDF writes a one-page PDF showing lines in Helvetica, a gap of a line
// for each empty string, so that pdftotext sees paragraphs. Only ASCII
// text is supported; it is a fixture.
func tinyPDF(lines []string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 11 Tf 14 TL 72 770 Td\n")
	for _, l := range lines {
		if l == "" {
			content.WriteString("T*\n")
			continue
		}
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfEscape.Replace(l))
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

var pdfEscape = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)

// pdfLines is the text of extract/testdata/conclusions.pdf.
var pdfLines = []string{
	"COUNCIL CONCLUSIONS ON TEST DIPLOMACY",
	"",
	"Brussels, 4 March 2024",
	"",
	"Introduction",
	"",
	"1. The Council recalls its earlier conclusions on digital diplomacy",
	"and underlines the role of the Team Europe approach.",
	"",
	"2. The Council calls on the High Representative to:",
	"",
	"a) strengthen coordination in the ITU;",
	"",
	"b) work with partners in the G7.",
	"",
	"3. The Council will revert to this issue in 2025.",
}
