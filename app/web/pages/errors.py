"""The Thai error page for browsers."""
from __future__ import annotations

from flask import render_template

TITLES = {400: "ข้อมูลไม่ถูกต้อง", 401: "กรุณาเข้าสู่ระบบ", 403: "ไม่มีสิทธิ์เข้าถึง", 404: "ไม่พบหน้าที่ต้องการ",
          405: "ไม่รองรับคำขอนี้", 409: "ข้อมูลถูกเปลี่ยนแปลงแล้ว", 413: "ไฟล์มีขนาดใหญ่เกินไป"}


def render_error(status: int, message: str):
    return render_template("error.html", status=status, title=TITLES.get(status, "เกิดข้อผิดพลาด"),
                           message=message), status
