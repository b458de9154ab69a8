// The grid worker's patrol page: fill in the phone's position when asked.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) {
    if (button) button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    var form = button.form;
    button.disabled = true;
    button.textContent = "定位中…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        button.disabled = false;
        button.textContent = "重新定位";
      },
      function () {
        button.disabled = false;
        button.textContent = "无法定位，请手动填写";
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();
