from flask import render_template


def front_page():
    return render_template("home/front_page.html")
