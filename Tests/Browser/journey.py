"""The web app's main and admin journeys in headless Chromium (Debian's chromium + chromium-driver,
Selenium from PyPI), against a running edge.

    python3 Tests/Browser/journey.py BASE_URL IMAGES_DIR SCREENSHOTS_DIR ADMIN_EMAIL MAIL_DIR

IMAGES_DIR receives the photographs it uploads (scikit-image's bundled data).

Main: sign up → open the verification mail's link (from the mail Auth wrote to MAIL_DIR) → buy credits (local provider) → upload three images → tick resize and convert → see
the cost → submit → watch progress → download the zip → the balance went down by exactly the quote →
the batch's notification in the app → the mail's unsubscribe link.
Reset: forgot password → open the reset mail's link → choose a new password → sign in with it.
Admin: sign up as the first admin → change the resize price → the next quote uses it → a catalogue
whose base price undercuts the best pack is refused, a good one saved as version 2.
Create: the admin adds a generation provider (a local server speaking Together's images endpoint,
started here), a model and a style preset through the API → the Create page offers them, quotes the
model's price, and the picture it makes appears on the batch page. A personal model: ten photos
trained there (its fine-tuning endpoints), then a picture of the subject from the Create page.
Phone: the uploader's QR hand-off opens once in a phone-sized window of its own, whose photo
arrives on the desktop to be straightened and restored.
Offline: a photo picked without a network waits and uploads when it returns; the manifest and icons
load; with the link to the edge cut, the service worker answers with the offline page.
Exits non-zero with a message on the first failed step."""
import glob
import json
import os
import re
import sys
import tempfile
import time
import zipfile

import fake_google
import fake_together
from fake_together import FakeTogether
from switchable_proxy import SwitchableProxy
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

base, images, shots, admin_email, mail_dir, oauth_port = sys.argv[1:7]
# JOURNEY_SCREENSHOTS=$PWD/docs/screenshots retakes the documentation's screenshots.
shots = os.environ.get("JOURNEY_SCREENSHOTS", shots)
downloads = tempfile.mkdtemp(prefix="isw-downloads-")
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
    options.add_argument(argument)
options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
# Pages re-render after each call: an element found a moment ago may be gone, so look again.
wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))


def step(name):
    print(f"· {name}", flush=True)


def go(route):
    driver.get(f"{base}/#{route}")


# Every page the journey photographs is also checked by axe-core (axe-selenium-python): serious
# and critical violations are gathered page by page and fail the journey at its end.
inaccessible = {}


def top():
    driver.execute_script("window.scrollTo(0, 0)")


def phone_shot(name):
    """The page as it is, photographed at 390 px wide too (phone-NAME), then at 1280 px again."""
    driver.set_window_size(390, 844)
    time.sleep(0.3)  # the layout settles
    top()
    shot(f"phone-{name}")
    driver.set_window_size(1280, 1000)


def shot(name):
    os.makedirs(shots, exist_ok=True)
    driver.save_screenshot(os.path.join(shots, f"{name}.png"))
    if name != "failure":
        axe = Axe(driver)
        axe.inject()
        found = axe.run(options="{resultTypes: ['violations']}")["violations"]
        serious = [v for v in found if v.get("impact") in ("serious", "critical")]
        if serious:
            inaccessible[name] = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in serious]


def balance():
    wait.until(lambda d: d.find_element(By.ID, "balance").get_attribute("data-available") not in (None, ""))
    return int(driver.find_element(By.ID, "balance").get_attribute("data-available"))


def sign_up(email):
    go("/signup")
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys("correct horse battery staple")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.ID, "files"))


def mailed_link(recipient, route):
    """The link to `route` in the newest mail to `recipient` that has one, waited for (the outbox
    delivers in the background). The link's origin is the stack's configured public URL; the test
    opens the same path and fragment on the stack it runs."""
    deadline = time.time() + 30
    while time.time() < deadline:
        for path in sorted(glob.glob(os.path.join(mail_dir, "*.eml")), key=os.path.getmtime, reverse=True):
            text = open(path, encoding="utf-8").read()
            if f"<{recipient}>" not in text:
                continue
            found = re.search(r"https?://\S*?(/#" + re.escape(route) + r"\?token=[A-Za-z0-9_.-]+)", text)
            if found:
                return base + found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no mail to {recipient} with a {route} link in {mail_dir}")


def upload(paths):
    driver.find_element(By.ID, "files").send_keys("\n".join(paths))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li .ok")) == len(paths))


def network(up):
    """Chrome's network emulation for the page: navigator.onLine and the online/offline events follow."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": not up, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def quoted():
    wait.until(lambda d: d.find_element(By.ID, "cost").get_attribute("data-credits"))
    return int(driver.find_element(By.ID, "cost").get_attribute("data-credits"))


def real_photographs(folder):
    """Three photographs from scikit-image's bundled data (a coffee cup, a cat, an astronaut),
    saved as JPEGs: what a person uploads, and what the screenshots in docs/ show."""
    from PIL import Image
    from skimage import data

    paths = []
    for name in ("coffee", "chelsea", "astronaut"):
        path = os.path.join(folder, f"{name}.jpg")
        Image.fromarray(getattr(data, name)()).convert("RGB").save(path, quality=90)
        paths.append(path)
    return paths


try:
    os.makedirs(images, exist_ok=True)
    pictures = real_photographs(images)

    step("the front page: the tools from the catalogue, packs and tiers, the way in")
    go("/")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#landing-tools li"))
    assert "Resize" in driver.find_element(By.ID, "landing-tools").text
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#landing-packs .card"))
    assert "Free" in driver.find_element(By.ID, "landing-tiers").text
    shot("landing")
    # A visitor's language is the browser's (or one chosen earlier in it): the front page in Chinese.
    driver.execute_script("localStorage.setItem('imageswiss.language', 'zh-CN')")
    driver.refresh()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#landing-packs .card") and re.search("[\u4e00-\u9fff]", d.find_element(By.CSS_SELECTOR, "main h1").text))
    assert "缩放" in driver.find_element(By.ID, "landing-tools").text, "the catalogue's labels in Chinese"
    top()
    shot("zh-landing")
    driver.set_window_size(390, 844)
    top()
    shot("zh-phone-landing")
    driver.execute_script("localStorage.removeItem('imageswiss.language')")
    driver.refresh()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#landing-packs .card") and d.execute_script("return document.documentElement.lang") == "en")
    top()
    shot("phone-landing")
    driver.find_element(By.ID, "landing-signup").click()
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    top()
    shot("phone-signup")
    driver.set_window_size(1280, 1000)
    shot("signup")

    step("sign up")
    user_email = f"browser-{int(time.time())}@imageswiss.test"
    sign_up(user_email)
    shot("upload-empty")
    start = balance()

    step("verify the email by opening the mail's link")
    driver.get(mailed_link(user_email, "/verify"))
    wait.until(lambda d: d.find_element(By.ID, "verify-outcome").get_attribute("data-verified") == "true")
    assert "#/verify?token" not in driver.current_url, "the used token stays out of the address bar"

    step("buy credits with the local provider")
    go("/billing")
    wait.until(lambda d: d.find_elements(By.ID, "buy-starter"))
    assert "takes no money" in driver.find_element(By.ID, "test-payments").text, "the development stack says payments are tests"
    assert "null" not in driver.find_element(By.TAG_NAME, "main").text, "no placeholder leaks onto the page"
    shot("credits")
    driver.find_element(By.ID, "buy-starter").click()
    wait.until(lambda d: balance() == start + 10)
    wait.until(lambda d: "INV-000001" in d.find_element(By.ID, "invoices").text)  # the purchase has its invoice
    before = balance()

    step("upload three images, the first while the network is gone: it waits, then goes by itself")
    go("/upload")
    wait.until(lambda d: d.find_elements(By.ID, "files"))
    network(False)
    driver.find_element(By.ID, "files").send_keys(pictures[0])
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "li .waiting"))
    assert not driver.find_elements(By.CSS_SELECTOR, "li .ok"), "nothing uploads without a network"
    network(True)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li .ok")) == 1)
    driver.find_element(By.ID, "files").send_keys("\n".join(pictures[1:]))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li .ok")) == 3)
    driver.find_element(By.ID, "op-resize").click()
    driver.find_element(By.ID, "op-convert").click()
    wait.until(lambda d: "Cost: 6 credits" in d.find_element(By.ID, "cost").text)
    cost = quoted()
    assert cost == 6, f"resize + convert of 3 images should cost 6, quoted {cost}"
    shot("upload-checklist")

    step("submit and watch the progress, streamed (no polling)")
    wait.until(lambda d: d.find_element(By.ID, "submit").is_enabled())
    driver.find_element(By.ID, "submit").click()
    wait.until(lambda d: d.find_elements(By.ID, "batch-status"))
    wait.until(lambda d: d.find_element(By.ID, "batch-status").get_attribute("data-status") == "succeeded")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#jobs img")) == 6)
    batch_id = driver.current_url.rsplit("/", 1)[1]
    asked = driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"
        ".filter((p) => p.startsWith('/api/v1/batches/' + arguments[0]))", batch_id)
    assert asked and all(path.endswith("/events") for path in asked) and len(asked) <= 2, f"the batch page asked {asked}"
    shot("batch-done")
    phone_shot("batch-done")

    step("download the zip")
    driver.find_element(By.ID, "download-zip").click()
    wait.until(lambda d: [f for f in os.listdir(downloads) if f.endswith(".zip")])
    archive = [f for f in os.listdir(downloads) if f.endswith(".zip")][0]
    with zipfile.ZipFile(os.path.join(downloads, archive)) as z:
        names = z.namelist()
        assert len(names) == 3 and all(n.endswith(".webp") for n in names), names

    step("the balance went down by exactly the quote")
    driver.refresh()
    wait.until(lambda d: balance() == before - cost)

    step("usage: the batch's credits by day, over 7 and then 90 days")
    batch_page = driver.current_url
    go("/billing")
    wait.until(lambda d: d.find_elements(By.ID, "usage-credits-chart"))
    chart = lambda: driver.find_element(By.ID, "usage-credits-chart")
    assert len(chart().find_elements(By.TAG_NAME, "rect")) == 30, "30 days by default"
    assert f"({cost} in all)" in chart().text, chart().text
    driver.find_element(By.ID, "usage-90d").click()
    wait.until(lambda d: len(chart().find_elements(By.TAG_NAME, "rect")) == 90)
    driver.find_element(By.ID, "usage-7d").click()
    wait.until(lambda d: len(chart().find_elements(By.TAG_NAME, "rect")) == 7 and f"({cost} in all)" in chart().text)
    driver.execute_script("document.getElementById('usage').scrollIntoView()")
    shot("usage")
    driver.get(batch_page)

    step("a link for the web: a result resized on its first view, charged once, then free")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "button.web-link"))
    driver.find_element(By.CSS_SELECTOR, "button.web-link").click()
    wait.until(lambda d: "/t/" in d.find_element(By.CSS_SELECTOR, "input.web-link-url").get_attribute("value"))
    link = driver.find_element(By.CSS_SELECTOR, "input.web-link-url").get_attribute("value")
    shot("web-link")
    fetch = "const done = arguments[arguments.length - 1]; fetch(arguments[0], {credentials: 'omit'}).then(r => done([r.status, r.headers.get('content-type'), r.headers.get('cache-control')]))"
    status, kind, caching = driver.execute_async_script(fetch, link)
    assert status == 200 and kind.startswith("image/") and "immutable" in caching, (status, kind, caching)
    driver.refresh()
    wait.until(lambda d: balance() < before - cost)
    after_link = balance()
    assert driver.execute_async_script(fetch, link)[0] == 200
    driver.refresh()
    wait.until(lambda d: balance() is not None)
    assert balance() == after_link, "a link's later views are free"

    step("the gallery: results in a grid, compared with the original, shared by a link that expires, deleted")
    go("/gallery")
    results = lambda: driver.find_elements(By.CSS_SELECTOR, "#gallery article.result")
    wait.until(lambda d: len(results()) == 3)
    first = results()[0]
    wait.until(lambda d: (first.find_element(By.CSS_SELECTOR, "img.after").get_attribute("src") or "").startswith("blob:"))
    first.find_element(By.CSS_SELECTOR, ".compare-slider").send_keys(Keys.END)
    wait.until(lambda d: (first.find_element(By.CSS_SELECTOR, "img.before").get_attribute("src") or "").startswith("blob:"))
    assert first.find_element(By.CSS_SELECTOR, "img.before").is_displayed(), "the slider uncovers the original"
    first.find_element(By.CSS_SELECTOR, "select.share-expiry option[value='86400']").click()
    first.find_element(By.CSS_SELECTOR, "button.share-link").click()
    wait.until(lambda d: first.find_element(By.CSS_SELECTOR, "input.share-url").get_attribute("value"))
    shared = first.find_element(By.CSS_SELECTOR, "input.share-url").get_attribute("value")
    expires = first.find_element(By.CSS_SELECTOR, "input.share-url").get_attribute("data-expires")
    hours = (time.mktime(time.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S")) - time.mktime(time.gmtime())) / 3600
    assert 23 < hours <= 24.1, f"a day's link expires in {hours:.1f} hours"
    status, kind, caching = driver.execute_async_script(fetch, shared)
    assert status == 200 and kind.startswith("image/"), (status, kind)
    first.find_element(By.CSS_SELECTOR, "button.favourite").click()
    wait.until(lambda d: results()[0].find_element(By.CSS_SELECTOR, "button.favourite").get_attribute("aria-pressed") == "true")
    driver.find_element(By.ID, "gallery-favourites").click()
    wait.until(lambda d: "favourites=1" in d.current_url and len(results()) == 1)
    driver.find_element(By.ID, "gallery-favourites").click()
    wait.until(lambda d: "favourites" not in d.current_url and len(results()) == 3)
    # The search box finds a result by its photo's file name, and keeps the focus while one types.
    driver.find_element(By.ID, "gallery-search").send_keys("CHELS")
    wait.until(lambda d: "search=CHELS" in d.current_url and len(results()) == 1)
    assert "chelsea.jpg" in results()[0].find_element(By.CSS_SELECTOR, ".title").text
    assert driver.execute_script("return document.activeElement.id") == "gallery-search", "the box keeps the focus"
    driver.find_element(By.ID, "gallery-search").send_keys(Keys.CONTROL, "a", Keys.BACKSPACE)
    wait.until(lambda d: "search" not in d.current_url and len(results()) == 3)
    shot("gallery")
    gone = results()[-1].get_attribute("data-file")
    delete = results()[-1].find_element(By.CSS_SELECTOR, "button.delete")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", delete)
    delete.click()
    driver.switch_to.alert.accept()
    wait.until(lambda d: len(results()) == 2)
    driver.refresh()
    wait.until(lambda d: len(results()) >= 2)
    time.sleep(1)  # a deleted result leaves when its picture is not found
    assert gone not in [card.get_attribute("data-file") for card in results()], "the deleted result stays gone"

    step("notifications: the finished batch is unread in the app; the mail's unsubscribe link works")
    go("/notifications")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#notification-list li.unread[data-kind=batch_completed]"))
    wait.until(lambda d: int(d.find_element(By.ID, "nav-notifications").get_attribute("data-unread") or 0) >= 1)
    shot("notifications")
    driver.get(mailed_link(user_email, "/unsubscribe"))
    wait.until(lambda d: d.find_element(By.ID, "unsubscribe-outcome").get_attribute("data-kind") == "batch_completed")
    go("/notifications")
    wait.until(lambda d: d.find_elements(By.NAME, "batch_completed"))
    assert not driver.find_element(By.NAME, "batch_completed").is_selected(), "unsubscribed: no more batch mails"
    assert driver.find_element(By.NAME, "credits_low").is_selected(), "the other kinds keep their mail"
    driver.find_element(By.ID, "mark-all-read").click()
    wait.until(lambda d: d.find_element(By.ID, "nav-notifications").get_attribute("data-unread") == "0")

    step("restoration from a phone: the desktop's QR code opens once on a phone-sized window, its photo arrives")
    go("/upload")
    wait.until(lambda d: d.find_elements(By.ID, "handoff-start"))
    driver.find_element(By.ID, "handoff-start").click()
    wait.until(lambda d: d.find_elements(By.ID, "handoff-qr")
               and d.execute_script("return document.getElementById('handoff-qr').naturalWidth") > 0)
    link = driver.find_element(By.ID, "handoff-link").get_attribute("value")
    phone_link = base + link[link.index("/#"):]  # the link names AUTH_PUBLIC_URL; the test opens its own stack
    shot("handoff")
    desktop = driver.current_window_handle
    driver.switch_to.new_window("window")  # a browser of its own: no session, phone-sized
    driver.set_window_size(390, 844)
    driver.get(phone_link)
    wait.until(lambda d: d.find_elements(By.ID, "handoff-camera"))
    driver.find_element(By.ID, "handoff-camera").send_keys(pictures[0])
    wait.until(lambda d: "sent" in d.find_element(By.ID, "handoff-sent").text)
    shot("phone-handoff")
    driver.close()
    driver.switch_to.window(desktop)
    driver.switch_to.new_window("tab")  # the link opens once
    driver.get(phone_link)
    wait.until(lambda d: d.find_elements(By.ID, "handoff-error"))
    assert "opened already" in driver.find_element(By.ID, "handoff-error").text
    driver.close()
    driver.switch_to.window(desktop)
    wait.until(lambda d: "from your phone" in d.find_element(By.CSS_SELECTOR, "main ul").text)
    assert "connected" in driver.find_element(By.ID, "handoff-status").text

    step("straighten the photographed print: drag a corner, nudge one with the keys, restore, process")
    driver.find_element(By.ID, "op-perspective").click()
    wait.until(lambda d: d.find_element(By.ID, "corner-frame").is_displayed())
    # The server's suggestion lands first (found or not, it says which); the user corrects it.
    wait.until(lambda d: d.find_element(By.ID, "corner-hint").text)
    handle = driver.find_element(By.ID, "corner-bottom_right")
    ActionChains(driver).click_and_hold(handle).move_by_offset(-30, -20).release().perform()
    moved = float(driver.find_element(By.ID, "param-perspective-bottom_right_x").get_attribute("value"))
    assert moved < 0.95, f"dragging moved the corner: {moved}"
    top_left = driver.find_element(By.ID, "corner-top_left")
    before = float(driver.find_element(By.ID, "param-perspective-top_left_x").get_attribute("value"))
    for _ in range(5):
        top_left.send_keys(Keys.ARROW_RIGHT)
    after = float(driver.find_element(By.ID, "param-perspective-top_left_x").get_attribute("value"))
    assert abs(after - min(1.0, before + 0.05)) < 0.0015, (before, after)
    wait.until(lambda d: "Cost: 1 credits" in d.find_element(By.ID, "cost").text)
    restore = driver.find_element(By.ID, "op-restoration")
    assert restore.is_enabled(), "restoration runs here (its classic method) without a provider"
    restore.click()
    wait.until(lambda d: re.search(r"Cost: [2-9]\d* credits", d.find_element(By.ID, "cost").text))
    shot("straighten")
    wait.until(lambda d: d.find_element(By.ID, "submit").is_enabled())
    driver.find_element(By.ID, "submit").click()
    wait.until(lambda d: d.find_elements(By.ID, "batch-status"))
    wait.until(lambda d: d.find_element(By.ID, "batch-status").get_attribute("data-status") == "succeeded")
    # A restoration keeps no original (delete_originals by default): the page says so in its place.
    wait.until(lambda d: [img.get_attribute("alt") for img in d.find_elements(By.CSS_SELECTOR, "#jobs img")] == ["original (deleted)", "after"])

    step("a photo picked on the computer while a phone is connected is listed once, as the computer's")
    # The hand-off's watcher (every 2 s) sees every new upload of the account, this one too.
    go("/upload")
    wait.until(lambda d: d.find_elements(By.ID, "handoff-start"))
    driver.find_element(By.ID, "handoff-start").click()
    wait.until(lambda d: d.find_elements(By.ID, "handoff-link"))
    link = driver.find_element(By.ID, "handoff-link").get_attribute("value")
    driver.switch_to.new_window("window")
    driver.get(base + link[link.index("/#"):])
    wait.until(lambda d: d.find_elements(By.ID, "handoff-camera"))
    driver.close()
    driver.switch_to.window(desktop)
    wait.until(lambda d: "connected" in d.find_element(By.ID, "handoff-status").text)
    driver.find_element(By.ID, "files").send_keys(pictures[1])
    wait.until(lambda d: "uploaded" in d.find_element(By.CSS_SELECTOR, "main ul li").text)
    time.sleep(4.5)  # two rounds of the watcher
    items = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "main ul li")]
    assert len(items) == 1 and "from your phone" not in items[0], items
    go("/history")  # leaves the uploader: the next step draws it afresh
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))

    step("duplicates: the same photo twice and another, found and shown side by side")
    import shutil
    copy = os.path.join(images, "coffee-copy.jpg")
    shutil.copy(pictures[0], copy)
    go("/upload")
    wait.until(lambda d: d.find_elements(By.ID, "files"))
    upload([pictures[0], copy, pictures[2]])
    driver.find_element(By.ID, "op-deduplicate").click()
    wait.until(lambda d: d.find_element(By.ID, "submit").is_enabled())
    driver.find_element(By.ID, "submit").click()
    wait.until(lambda d: d.find_elements(By.ID, "batch-status"))
    wait.until(lambda d: d.find_element(By.ID, "batch-status").get_attribute("data-status") == "succeeded")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".duplicate-group figure .name")) == 2)
    names = sorted(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".duplicate-group figure .name"))
    assert names == ["coffee-copy.jpg", "coffee.jpg"], names
    assert len(driver.find_elements(By.CSS_SELECTOR, ".duplicate-group")) == 1, "the astronaut is alone"
    wait.until(lambda d: all(img.get_attribute("src") for img in d.find_elements(By.CSS_SELECTOR, ".duplicate-group img")))
    shot("duplicates")
    group = driver.find_element(By.CSS_SELECTOR, ".duplicate-group")
    group.find_elements(By.CSS_SELECTOR, "button.delete")[-1].click()
    driver.switch_to.alert.accept()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".duplicate-group figure.deleted")) == 1)

    step("account: profile, sign-ins")
    go("/account")
    wait.until(lambda d: d.find_elements(By.NAME, "display_name"))
    name = driver.find_element(By.NAME, "display_name")
    name.clear()
    name.send_keys("Browser Tester")
    name.find_element(By.XPATH, "ancestor::form//button").click()
    wait.until(lambda d: "Profile saved" in d.find_element(By.ID, "toast").get_attribute("textContent"))
    assert "signed in" in driver.find_element(By.TAG_NAME, "main").text, "the sign-in history lists this sign-in"
    driver.find_element(By.ID, "avatar-file").send_keys(pictures[1])
    wait.until(lambda d: "Picture saved" in d.find_element(By.ID, "toast").get_attribute("textContent"))
    driver.refresh()  # the picture is the account's now
    wait.until(lambda d: (d.find_element(By.ID, "avatar").get_attribute("src") or "").startswith("blob:"))
    driver.find_element(By.ID, "export-account").click()
    wait.until(lambda d: os.path.exists(os.path.join(downloads, "imageswiss-account.json")))
    exported = json.load(open(os.path.join(downloads, "imageswiss-account.json")))
    assert user_email in json.dumps(exported), "the export is this account's"
    shot("account")

    step("dark colours: the system's scheme by default, the account page's choice over it")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    page_colour = "return getComputedStyle(document.body).backgroundColor"
    for route, name in (("/upload", "dark-upload"), ("/gallery", "dark-gallery"), ("/billing", "dark-credits")):
        go(route)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))
        time.sleep(0.5)  # the page's own calls settle
        assert driver.execute_script(page_colour) == "rgb(13, 17, 23)", driver.execute_script(page_colour)
        shot(name)
    go("/account")
    wait.until(lambda d: d.find_elements(By.ID, "theme"))
    driver.find_element(By.CSS_SELECTOR, "#theme option[value=light]").click()
    wait.until(lambda d: d.execute_script(page_colour) == "rgb(255, 255, 255)")
    driver.refresh()  # the choice outlives the page
    wait.until(lambda d: d.find_elements(By.ID, "theme"))
    assert driver.execute_script(page_colour) == "rgb(255, 255, 255)", "light, as chosen, though the system is dark"
    driver.find_element(By.CSS_SELECTOR, "#theme option[value=system]").click()
    wait.until(lambda d: d.execute_script(page_colour) == "rgb(13, 17, 23)")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})

    step("Simplified Chinese: chosen on the account page, the main pages in it, then English again")
    go("/account")
    wait.until(lambda d: d.find_elements(By.ID, "language"))
    driver.find_element(By.CSS_SELECTOR, "#language option[value='zh-CN']").click()
    wait.until(lambda d: d.execute_script("return document.documentElement.lang") == "zh-CN" and d.find_elements(By.ID, "language"))
    chinese_pages = (("/upload", "upload"), ("/gallery", "gallery"), ("/billing", "credits"), ("/history", "history"), ("/create", "create"),
                     ("/models", "models"), ("/teams", "teams"), ("/notifications", "notifications"), ("/developers", "developers"),
                     ("/account", "account"))
    for size, prefix, pages in (((1280, 1000), "zh-", chinese_pages), ((390, 844), "zh-phone-", chinese_pages[:4])):
        driver.set_window_size(*size)
        for route, name in pages:
            go(route)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))
            time.sleep(0.5)  # the page's own calls settle
            heading = driver.find_element(By.CSS_SELECTOR, "main h1").text
            assert re.search("[\u4e00-\u9fff]", heading), f"{route} in Chinese: {heading}"
            nav = [link.get_attribute("textContent") for link in driver.find_elements(By.CSS_SELECTOR, "#nav a")]
            assert all(re.search("[\u4e00-\u9fff]", text) for text in nav), f"the navigation in Chinese: {nav}"
            top()
            shot(prefix + name)
    driver.set_window_size(1280, 1000)
    # The server's errors arrive in English with a code; the page says them in Chinese by the code.
    go("/account")
    wait.until(lambda d: d.find_elements(By.NAME, "current"))
    password_form = driver.find_element(By.NAME, "current").find_element(By.XPATH, "./ancestor::form")
    password_form.find_element(By.NAME, "current").send_keys("not the password at all")
    password_form.find_element(By.NAME, "next").send_keys("another long password")
    password_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: password_form.find_element(By.CSS_SELECTOR, ".error").text)
    said = password_form.find_element(By.CSS_SELECTOR, ".error").text
    # The field the error names is called as the page calls it, not by its name in the API.
    assert "密码不正确（当前密码）" in said and "wrong_password" in said, f"a refused password change in Chinese: {said}"
    go("/account")
    wait.until(lambda d: d.find_elements(By.ID, "language"))
    driver.find_element(By.CSS_SELECTOR, "#language option[value='en']").click()
    wait.until(lambda d: d.execute_script("return document.documentElement.lang") == "en" and d.find_elements(By.ID, "language"))

    step("developers: an API key with chosen scopes, shown once; links for the web — the first link's key, a preset")
    go("/developers")
    wait.until(lambda d: d.find_elements(By.ID, "quick-start"))
    assert "/api/v1/batches" in driver.find_element(By.ID, "quick-start").text
    key_form = driver.find_element(By.XPATH, "//button[text()='Create an API key']/ancestor::form")
    key_form.find_element(By.NAME, "name").send_keys("browser")
    for box in key_form.find_elements(By.NAME, "scopes"):
        if box.get_attribute("value") in ("files:write", "billing:read") and box.is_selected():
            box.click()
    key_form.find_element(By.XPATH, ".//button").click()
    wait.until(lambda d: d.find_elements(By.ID, "shown-once-secret") and d.find_element(By.ID, "shown-once-secret").text.startswith("isk_"))
    # The phone hand-off's upload-only key is listed too (revocable like any key): read this key's row.
    keys_text = next(row.text for row in driver.find_elements(By.CSS_SELECTOR, "#api-keys tr") if row.text.startswith("browser"))
    assert "Phone hand-off" in driver.find_element(By.ID, "api-keys").text
    assert all(scope in keys_text for scope in ("profile:read", "files:read", "jobs:read", "jobs:write")), keys_text
    assert "files:write" not in keys_text and "billing:read" not in keys_text, keys_text
    shot("developers")
    wait.until(lambda d: "signs new links" in d.find_element(By.ID, "link-keys").text)
    preset_form = driver.find_element(By.XPATH, "//button[text()='Save the preset']/ancestor::form")
    preset_form.find_element(By.NAME, "name").send_keys("thumb")
    preset_form.find_element(By.NAME, "options").send_keys("rs:fill:200:200/f:auto")
    preset_form.find_element(By.XPATH, ".//button").click()
    wait.until(lambda d: "pr:thumb" in d.find_element(By.ID, "link-presets").text)
    go("/history")
    # The gallery's star is on the server, so the history shows it; one more makes two.
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "button[aria-label=Favourite][aria-pressed=true]")) == 1)
    driver.find_elements(By.CSS_SELECTOR, "button[aria-label=Favourite][aria-pressed=false]")[0].click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "button[aria-label=Favourite][aria-pressed=true]")) == 2)
    driver.find_element(By.ID, "only-favourites").click()
    wait.until(lambda d: "favourites=1" in d.current_url and len(d.find_elements(By.CSS_SELECTOR, "button[aria-label=Favourite]")) == 2)
    shot("history")

    step("an ended session: the sign-in page says so, and signing in comes back to the page")
    driver.execute_script("sessionStorage.setItem('isw_access', 'expired'); sessionStorage.setItem('isw_refresh', 'revoked')")
    go("/history")
    wait.until(lambda d: d.find_elements(By.ID, "session-ended"))
    driver.find_element(By.NAME, "email").send_keys(user_email)
    driver.find_element(By.NAME, "password").send_keys("correct horse battery staple")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: d.current_url.endswith("#/history") and d.find_elements(By.CSS_SELECTOR, "main h1"))

    step("forgot the password: the reset mail's link, a new password, sign in with it")
    go("/signout")
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    shot("signin")
    driver.set_window_size(390, 844)
    top()
    shot("phone-signin")
    driver.set_window_size(1280, 1000)
    go("/forgot")
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    shot("forgot")
    phone_shot("forgot")
    driver.find_element(By.NAME, "email").send_keys(user_email)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    driver.get(mailed_link(user_email, "/reset"))
    wait.until(lambda d: d.find_elements(By.NAME, "password") and "new password" in d.find_element(By.TAG_NAME, "h1").text)
    shot("reset")
    phone_shot("reset")
    driver.find_element(By.NAME, "password").send_keys("another horse battery staple")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: "#/signin" in d.current_url and d.find_elements(By.NAME, "email"))
    driver.find_element(By.NAME, "email").send_keys(user_email)
    driver.find_element(By.NAME, "password").send_keys("another horse battery staple")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.ID, "files"))

    step("sign in with Google: the provider's consent, the edge's cookie session, an upload and a change through it")
    google = fake_google.serve(int(oauth_port), base, {"sub": "g-journey", "email": "journey@gmail.test", "name": "Journey G."})
    go("/signout")
    # A callback this browser did not start lands on the sign-in page with the app's own message.
    driver.get(f"{base}/api/v1/auth/oauth/google/callback?code=forged&state=forged")
    wait.until(lambda d: d.find_elements(By.ID, "oauth-error"))
    assert "another browser" in driver.find_element(By.ID, "oauth-error").text
    wait.until(lambda d: d.find_elements(By.ID, "oauth-google"))
    driver.find_element(By.ID, "oauth-google").click()
    wait.until(lambda d: d.find_elements(By.ID, "allow"))
    driver.find_element(By.ID, "allow").click()
    wait.until(lambda d: d.find_elements(By.ID, "files"))  # the landing page sends a signed-in visitor on
    assert driver.execute_script("return sessionStorage.getItem('isw_access')") is None, "no bearer token: the cookie session"
    upload(pictures[1:2])
    wait.until(lambda d: "uploaded" in d.find_element(By.CSS_SELECTOR, "main ul").text)
    go("/account")
    wait.until(lambda d: d.find_elements(By.NAME, "display_name"))
    assert "journey@gmail.test" in driver.find_element(By.TAG_NAME, "main").text
    name = driver.find_element(By.NAME, "display_name")
    name.clear()
    name.send_keys("Journey Cookie")
    name.find_element(By.XPATH, "ancestor::form//button").click()
    wait.until(lambda d: "Profile saved" in d.find_element(By.ID, "toast").get_attribute("textContent"))
    go("/signout")
    wait.until(lambda d: d.find_elements(By.ID, "oauth-google"))
    wait.until(lambda d: "isw_csrf" not in d.execute_script("return document.cookie"))
    google.shutdown()

    step("admin: change the resize price, see it in the next quote")
    go("/signout")
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    sign_up(admin_email)
    go("/admin")
    wait.until(lambda d: d.find_elements(By.ID, "price-resize"))
    # Reports: the starter pack bought above is revenue today; the charts cover 30 days.
    figures = driver.find_element(By.ID, "report-figures").text
    assert "MRR" in figures and "ARPU" in figures and "AI margin" in figures, figures
    revenue = driver.find_element(By.ID, "report-revenue-chart")
    assert len(revenue.find_elements(By.TAG_NAME, "rect")) == 30 and "$0.00 in all" not in revenue.text, revenue.text
    driver.execute_script("document.getElementById('reports').scrollIntoView()")
    shot("admin-reports")
    driver.execute_script("window.scrollTo(0, 0)")
    shot("admin")
    field = driver.find_element(By.ID, "price-resize")
    field.clear()
    field.send_keys("3")
    driver.execute_script("document.getElementById('toast').textContent = ''")
    driver.find_element(By.ID, "save-prices").click()
    wait.until(lambda d: d.find_element(By.ID, "toast").get_attribute("textContent"))
    assert "saved" in driver.find_element(By.ID, "toast").get_attribute("textContent"), driver.find_element(By.ID, "toast").get_attribute("textContent")
    go("/upload")
    wait.until(lambda d: d.find_elements(By.ID, "files"))
    upload(pictures[:1])
    driver.find_element(By.ID, "op-resize").click()
    wait.until(lambda d: "Cost: 3 credits" in d.find_element(By.ID, "cost").text)

    step("admin: the catalogue editor refuses a base price under the best pack, keeps a good one")
    go("/admin")
    wait.until(lambda d: d.find_elements(By.ID, "catalogue-base"))

    def save_catalogue(base_cents):
        field = driver.find_element(By.ID, "catalogue-base")
        field.clear()
        field.send_keys(str(base_cents))
        driver.execute_script("document.getElementById('toast').textContent = ''")
        driver.find_element(By.ID, "save-catalogue").click()
        wait.until(lambda d: d.find_element(By.ID, "toast").get_attribute("textContent"))
        return driver.find_element(By.ID, "toast").get_attribute("textContent")

    refused = save_catalogue(30)
    assert "price rule" in refused and "Studio" in refused, refused
    assert "version 2" in save_catalogue(60)
    wait.until(lambda d: "$0.6000" in d.find_element(By.ID, "catalogue-prices").text)

    step("admin: find a user, grant credits, disable and enable the account")
    go("/admin")
    wait.until(lambda d: d.find_elements(By.ID, "user-search"))
    driver.find_element(By.ID, "user-search").send_keys(user_email)
    driver.find_element(By.XPATH, "//button[text()='Search users']").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#admin-users tr")) == 1)

    def user_row():
        return driver.find_element(By.CSS_SELECTOR, f'#admin-users tr[data-user="{user_email}"]')

    def row_says(text):
        try:
            return text in user_row().text
        except Exception:  # the row is being redrawn
            return False

    driver.execute_script("document.getElementById('toast').textContent = ''")
    user_row().find_element(By.XPATH, ".//button[text()='Grant']").click()
    wait.until(lambda d: "10 credits granted" in d.find_element(By.ID, "toast").get_attribute("textContent"))
    user_row().find_element(By.XPATH, ".//button[text()='Disable']").click()
    wait.until(lambda d: row_says("disabled") and row_says("Enable"))
    user_row().find_element(By.XPATH, ".//button[text()='Enable']").click()
    wait.until(lambda d: row_says("active") and row_says("Disable"))
    shot("admin-users")

    step("create: an admin's provider, model and preset, then a picture from words")
    server = fake_together.serve()
    go("/admin")

    def fill(form_id, values, selects=(), checks=()):
        """Opens the admin page's form, fills it, saves, and waits for the page to show it again."""
        wait.until(lambda d: d.find_elements(By.ID, form_id))
        form_element = driver.find_element(By.ID, form_id)
        driver.execute_script("arguments[0].closest('details').open = true", form_element)
        for name, value in values.items():
            box = form_element.find_element(By.NAME, name)
            box.clear()
            box.send_keys(str(value))
        for name, value in selects:
            form_element.find_element(By.CSS_SELECTOR, f"select[name={name}] option[value='{value}']").click()
        for name in checks:
            form_element.find_element(By.NAME, name).click()
        form_element.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    fill("ai-provider-form", {"id": "together", "base_url": f"http://127.0.0.1:{server.server_port}", "credential": "tg-journey-key"},
         selects=[("kind", "together")])
    wait.until(lambda d: "…-key" in d.find_element(By.ID, "ai-providers").text)  # the credential as its last four only
    assert "tg-journey-key" not in driver.page_source
    fill("ai-model-form", {"id": "flux-schnell", "reference": "black-forest-labs/FLUX.1-schnell", "label": "FLUX schnell", "price_credits": 2},
         selects=[("operation", "generation"), ("provider_id", "together")], checks=["is_default"])
    wait.until(lambda d: "FLUX schnell (default)" in d.find_element(By.ID, "ai-models").text)
    fill("ai-preset-form", {"id": "watercolour", "label": "Watercolour", "template": "{prompt}, watercolour on rough paper"})
    wait.until(lambda d: "watercolour on rough paper" in d.find_element(By.ID, "ai-presets").text)
    shot("admin-ai")
    go("/create")
    driver.refresh()  # the operation catalogue is cached per page load
    wait.until(lambda d: d.find_elements(By.ID, "param-create-generation-prompt"))
    prompt = driver.find_element(By.ID, "param-create-generation-prompt")
    prompt.clear()
    prompt.send_keys("a lighthouse at dawn")
    driver.find_element(By.CSS_SELECTOR, "#param-create-generation-preset option[value=watercolour]").click()
    wait.until(lambda d: "Cost: 2 credits" in d.find_element(By.ID, "create-cost").text)
    shot("create")
    driver.find_element(By.ID, "create-submit").click()
    wait.until(lambda d: "#/batch/" in d.current_url)
    wait.until(lambda d: "succeeded" in d.find_element(By.ID, "batch-status").text)
    assert FakeTogether.received[-1]["prompt"] == "a lighthouse at dawn, watercolour on rough paper", FakeTogether.received

    step("a personal model: ten photos trained at Together (a local server), then a picture of the subject")
    go("/admin")
    fill("ai-model-form", {"id": "flux-lora", "reference": "black-forest-labs/FLUX.1-dev", "label": "FLUX LoRA", "price_credits": 100},
         selects=[("operation", "train_model"), ("provider_id", "together")], checks=["is_default"])
    wait.until(lambda d: "FLUX LoRA (default)" in d.find_element(By.ID, "ai-models").text)
    granted = driver.execute_async_script(
        "const done = arguments[0]; fetch('/api/v1/admin/billing/grants', {method: 'POST', headers: {"
        "Authorization: 'Bearer ' + sessionStorage.getItem('isw_access'), 'Content-Type': 'application/json',"
        "'Idempotency-Key': 'journey-training'}, body: JSON.stringify({account_id: JSON.parse(sessionStorage.getItem('isw_account')).id,"
        "amount: 200, source: 'promotional'})}).then((r) => done(r.status))")
    assert granted in (200, 201), f"credits for the training: {granted}"
    from PIL import Image
    subject = Image.open(pictures[2]).convert("RGB")
    training = []
    for index in range(10):  # ten views of one subject, each at least 512 pixels on its short side
        path = os.path.join(images, f"subject-{index}.jpg")
        subject.rotate(index * 4, expand=False).resize((640, 640)).save(path, quality=90)
        training.append(path)
    go("/models")
    driver.refresh()  # the operation catalogue is cached per page load: now training is offered
    wait.until(lambda d: d.find_elements(By.ID, "training-photos"))
    driver.find_element(By.NAME, "name").send_keys("Astronaut")
    driver.find_element(By.NAME, "trigger_word").send_keys("astro1")
    driver.find_element(By.ID, "training-photos").send_keys("\n".join(training))
    driver.find_element(By.XPATH, "//button[text()='Train']").click()
    wait.until(lambda d: "ready" in d.find_element(By.ID, "models-list").text)
    assert FakeTogether.uploads and FakeTogether.uploads[-1]["fine_tune"], FakeTogether.uploads
    fine_tune = [body for body in FakeTogether.received if "training_file" in body][-1]
    assert fine_tune["model"] == "black-forest-labs/FLUX.1-dev" and fine_tune["trigger_word"] == "astro1", fine_tune
    shot("models-trained")
    go("/create")
    wait.until(lambda d: d.find_elements(By.ID, "create-subject"))
    driver.find_element(By.XPATH, "//select[@id='create-subject']/option[text()='My model: Astronaut']").click()
    wait.until(lambda d: d.find_element(By.ID, "param-create-generate_with_model-prompt").is_displayed())
    driver.find_element(By.ID, "param-create-generate_with_model-prompt").send_keys("on the moon")
    # Each keystroke asks for a quote again; the button waits for the last one.
    wait.until(lambda d: "Cost: 6 credits" in d.find_element(By.ID, "create-cost").text
               and d.find_element(By.ID, "create-submit").is_enabled())
    driver.find_element(By.ID, "create-submit").click()
    wait.until(lambda d: "#/batch/" in d.current_url)
    wait.until(lambda d: "succeeded" in d.find_element(By.ID, "batch-status").text)
    made = FakeTogether.received[-1]
    assert made["prompt"].startswith("astro1") and "on the moon" in made["prompt"], made
    assert made["image_loras"][0]["path"].startswith("journey/flux-lora-"), made
    server.shutdown()

    step("teams: a team of one's own, its credits, a batch paid from it, a result shared with it")
    go("/models")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))
    time.sleep(0.5)  # the page's own calls settle
    shot("models")
    go("/teams")
    wait.until(lambda d: d.find_elements(By.NAME, "name"))
    shot("teams")
    driver.find_element(By.NAME, "name").send_keys("Journey Studio")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: re.search(r"#/teams/[0-9a-f-]{36}$", d.current_url))
    team_id = driver.current_url.rsplit("/", 1)[1]
    wait.until(lambda d: d.find_elements(By.ID, "team-buy-starter"))
    assert "Team balance: 0 credits" in driver.find_element(By.ID, "team-balance").text, "a team starts without free credits"
    driver.find_element(By.ID, "team-buy-starter").click()
    wait.until(lambda d: "Team balance: 10 credits" in d.find_element(By.ID, "team-balance").text)
    own_before = balance()
    go("/upload")
    wait.until(lambda d: d.find_elements(By.ID, "payer"))
    upload(pictures[:1])
    driver.find_element(By.CSS_SELECTOR, f"#payer option[value='{team_id}']").click()
    driver.find_element(By.ID, "op-resize").click()
    wait.until(lambda d: "you have 10" in d.find_element(By.ID, "cost").text)
    team_cost = quoted()
    wait.until(lambda d: d.find_element(By.ID, "submit").is_enabled())
    driver.find_element(By.ID, "submit").click()
    wait.until(lambda d: d.find_elements(By.ID, "batch-status"))
    wait.until(lambda d: d.find_element(By.ID, "batch-status").get_attribute("data-status") == "succeeded")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.share button"))
    driver.find_element(By.CSS_SELECTOR, "p.share button").click()
    wait.until(lambda d: "Shared with the team" in d.find_element(By.ID, "toast").text)
    go(f"/teams/{team_id}")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#team-files li"))
    wait.until(lambda d: f"Team balance: {10 - team_cost} credits" in d.find_element(By.ID, "team-balance").text)
    assert balance() == own_before, "the team paid, not its owner"
    shot("team")
    phone_shot("team")
    go("/admin")  # the admin's view of every team, searched by name
    wait.until(lambda d: d.find_elements(By.ID, "team-search"))
    driver.find_element(By.ID, "team-search").send_keys("journey stu")
    driver.find_element(By.XPATH, "//button[text()='Search teams']").click()
    wait.until(lambda d: [r.get_attribute("data-team") for r in d.find_elements(By.CSS_SELECTOR, "#admin-teams tr[data-team]")] == [team_id])
    assert admin_email in driver.find_element(By.ID, "admin-teams").text
    driver.execute_script("document.getElementById('admin-teams').scrollIntoView()")
    shot("admin-teams")

    step("the API reference renders the document, and filters it")
    driver.get(f"{base}/api/v1/docs")
    wait.until(lambda d: int(d.find_element(By.ID, "docs").get_attribute("data-operations") or 0) > 100)
    driver.find_element(By.ID, "docs-filter").send_keys("teams/{team}/members")
    visible = [e for e in driver.find_elements(By.CSS_SELECTOR, "details.operation") if e.is_displayed()]
    assert len(visible) == 2, f"PATCH and DELETE of a member, found {len(visible)}"
    shot("api-docs")
    phone_shot("api-docs")
    step("phone-sized: the main pages at 390 px wide, checked by axe like the others")
    driver.set_window_size(390, 844)
    for route, name in (("/upload", "phone-upload"), ("/gallery", "phone-gallery"), ("/billing", "phone-credits"), ("/history", "phone-history"),
                        ("/create", "phone-create"), ("/models", "phone-models"), ("/teams", "phone-teams"),
                        ("/notifications", "phone-notifications"), ("/account", "phone-account"), ("/developers", "phone-developers"),
                        ("/admin", "phone-admin")):
        go(route)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))
        time.sleep(0.5)  # the page's own calls settle
        wide = driver.execute_script(
            "const root = document.documentElement; return root.scrollWidth > root.clientWidth"
            " ? [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > root.clientWidth)"
            ".slice(0, 5).map((e) => e.tagName + '.' + e.className) : []")
        assert not wide, f"{route} scrolls sideways at 390 px: {wide}"
        shot(name)
    # The navigation folds behind "Menu" on a phone and unfolds on a tap.
    assert not driver.find_element(By.ID, "nav-upload").is_displayed(), "the links wait behind Menu"
    driver.find_element(By.ID, "menu").click()
    wait.until(lambda d: d.find_element(By.ID, "nav-upload").is_displayed())
    shot("phone-menu")
    driver.find_element(By.ID, "nav-upload").click()
    wait.until(lambda d: not d.find_element(By.ID, "nav-upload").is_displayed())
    driver.set_window_size(1280, 1000)

    step("installable: the manifest and its icons; offline, the service worker answers with the offline page")
    # Through a proxy the test can cut: Chrome's offline emulation does not reach the service worker.
    proxy = SwitchableProxy("127.0.0.1", int(base.rsplit(":", 1)[1]))
    via = f"http://127.0.0.1:{proxy.port}"
    driver.get(f"{via}/#/")
    manifest = driver.execute_async_script(
        "const done = arguments[0]; fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json()).then(done)")
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/"), manifest
    for icon in manifest["icons"]:
        kind = driver.execute_async_script(
            "const done = arguments[1]; fetch(arguments[0]).then((r) => done(r.ok ? r.headers.get('content-type') : String(r.status)))",
            icon["src"])
        assert kind.startswith(icon["type"].split("+")[0]), f"{icon['src']}: {kind}"
    assert driver.execute_async_script(
        "const done = arguments[0]; navigator.serviceWorker.ready.then((r) => done(r.active.scriptURL))").endswith("/sw.js")
    proxy.cut()
    driver.refresh()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#offline h1"))
    shot("offline")
    phone_shot("offline")
    proxy.restore()
    driver.refresh()
    wait.until(lambda d: d.find_elements(By.ID, "landing-tools"))
    proxy.close()

    step("leaving: a new account deleted from its account page; it cannot sign in again")
    go("/signout")
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    sign_up("leaving@imageswiss.test")
    go("/account")
    wait.until(lambda d: d.find_elements(By.ID, "delete-password"))
    driver.find_element(By.ID, "delete-password").send_keys("correct horse battery staple")
    driver.find_element(By.XPATH, "//button[text()='Delete my account']").click()
    driver.switch_to.alert.accept()
    wait.until(lambda d: d.find_elements(By.ID, "landing-tools"))
    go("/signin")
    wait.until(lambda d: d.find_elements(By.NAME, "email"))
    driver.find_element(By.NAME, "email").send_keys("leaving@imageswiss.test")
    driver.find_element(By.NAME, "password").send_keys("correct horse battery staple")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "form .error") and d.find_element(By.CSS_SELECTOR, "form .error").text)
    assert not inaccessible, "axe-core found serious or critical violations:\n" + "\n".join(
        f"  {page}: {line}" for page, lines in inaccessible.items() for line in lines)
    print(f"browser journeys passed; axe-core: no serious or critical violation on {len(os.listdir(shots)) - 1} pages")
except Exception as error:  # noqa: BLE001 — report whatever failed, with the page it failed on
    shot("failure")
    print(f"FAILED: {type(error).__name__}: {error}\nat {driver.current_url}\n{driver.find_element(By.TAG_NAME, 'body').text[:2000]}", flush=True)
    for entry in driver.get_log("browser") if hasattr(driver, "get_log") else []:
        print("console:", entry)
    sys.exit(1)
finally:
    driver.quit()
