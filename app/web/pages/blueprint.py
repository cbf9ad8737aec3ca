"""The pages' blueprint: every page module registers its views on it (Thai first, English per user)."""
from flask import Blueprint

pages = Blueprint("pages", __name__, template_folder="../templates")
