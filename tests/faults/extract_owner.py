"""A stand-in for `ask --web`: extracts one very large page (trafilatura needs tens of
seconds on it), so a test can kill -9 this process while the extractor runs."""

from neuro_tui.retrieval.web.extract import extract_pages

ROW = "<tr>" + "".join(f"<td><p>cell {i} words and <b>more</b> <a href='/x{i}'>link</a></p></td>"
                       for i in range(20)) + "</tr>\n"

if __name__ == "__main__":
    html = f"<html><head><title>big</title></head><body><table>{ROW * 6000}</table></body></html>"
    extract_pages([(html, "http://127.0.0.1/big")], 300, workers=1)
