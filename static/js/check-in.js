// The door check-in page's QR scanner. Without it the page still works: names are found by the
// form, and a phone's own camera app opens a QR code's address on this page.
import QrScanner from "../qr-scanner/qr-scanner.min.js";

const scanner = document.getElementById("check-in-scanner");

if (scanner) {
  const start = scanner.querySelector("[data-scan-start]");
  const stop = scanner.querySelector("[data-scan-stop]");
  const video = scanner.querySelector("video");
  const status = scanner.querySelector("[data-scan-status]");
  const form = scanner.querySelector("[data-scan-form]");
  let camera = null;

  const stopped = () => {
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  };

  // The whole check-in address is sent: the server takes the code from it, as it does from a
  // code typed by hand.
  const read = (result) => {
    camera.stop();
    stopped();
    status.textContent = "Code read: checking in…";
    form.elements.code.value = result.data;
    form.submit();
  };

  start.addEventListener("click", async () => {
    if (!(await QrScanner.hasCamera())) {
      status.textContent = "This device has no camera the page can use. Find the person by name.";
      return;
    }
    camera ||= new QrScanner(video, read, {
      preferredCamera: "environment",
      returnDetailedScanResult: true,
      maxScansPerSecond: 10,
    });
    video.hidden = false;
    try {
      await camera.start();
    } catch {
      stopped();
      status.textContent =
        "The camera did not start: allow this page to use it, or find the person by name.";
      return;
    }
    start.hidden = true;
    stop.hidden = false;
    status.textContent = "Point the camera at the QR code.";
  });

  stop.addEventListener("click", () => {
    camera?.stop();
    stopped();
    status.textContent = "";
    start.focus();
  });

  scanner.hidden = false;
  // Just back from checking in a scanned code: ready for the next person.
  if (new URLSearchParams(window.location.search).has("scanning")) {
    start.click();
  }
}
